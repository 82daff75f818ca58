import AppCore
import Mail

/// The job runner's settings, read once at start-up from the environment and `.env` (the same
/// reader as the server's). It needs no `SECRET_KEY`: cron can start it with `DATABASE_URL` and
/// the mail settings alone. A bad value stops it with one line (`ConfigurationError`).
public struct RunnerConfiguration: Sendable {
    /// libpq connection string.
    public var databaseURL: String
    /// `MAIL_URL`: SMTP or maildir.
    public var mailURL: MailURL
    /// `MAIL_FROM`: the sender, `address` or `Name <address>`.
    public var mailFrom: String
    /// `JOB_TIMEOUT_SECONDS` (seed: Celery's `task_time_limit=300`): the time limit of one
    /// attempt; a job still running after it is taken back and retried.
    public var timeoutSeconds: Int
    /// `JOB_RETRY_DELAY_SECONDS`, `JOB_RETRY_BACKOFF`, `JOB_RETRY_MAX_DELAY_SECONDS`.
    public var retryPolicy: RetryPolicySettings
    /// `JOB_BATCH_SIZE`: jobs claimed at once.
    public var batchSize: Int
    /// `JOB_POLL_SECONDS`: in `--loop` mode, how long to wait for a notification before looking
    /// again anyway (NOTIFY is best effort; retries become due without one).
    public var pollSeconds: Int
    /// `JOB_RETENTION_DAYS`: finished jobs are removed this long after they finished (a done
    /// campaign keeps its result on itself).
    public var jobRetentionDays: Int
    /// `IDEMPOTENCY_KEY_RETENTION_HOURS`: how long an `Idempotency-Key` is remembered.
    public var idempotencyRetentionHours: Int
    /// `JOB_LOCK_FILE`: the host lock (one `run` at a time on this host for this database).
    public var lockFile: String
    public var logLevel: String
    /// Where the log lines go (appended; reopened on SIGUSR1); nil: stderr.
    public var logFile: String?

    /// The retry settings, kept as plain numbers (JobQueue's `RetryPolicy` is built from them).
    public struct RetryPolicySettings: Sendable, Equatable {
        public var delaySeconds: Int
        public var backoff: Int
        public var maxDelaySeconds: Int
    }

    public init(_ settings: SettingsReader) throws(ConfigurationError) {
        databaseURL = try DatabaseURL.libpqConnectionString(
            settings.string("DATABASE_URL", default: "postgresql+asyncpg://user:pass@localhost/mydb"))
        let mail = settings.string("MAIL_URL", default: "maildir:./.data/mail")
        do {
            mailURL = try MailURL(parsing: mail)
        } catch {
            throw ConfigurationError(variable: "MAIL_URL", problem: error.description)
        }
        mailFrom = settings.string("MAIL_FROM", default: "noreply@example.com")
        guard MailAddress.isValidSender(mailFrom) else {
            throw ConfigurationError(
                variable: "MAIL_FROM", problem: "must be an address or Name <address> (got \"\(mailFrom.prefix(60))\")")
        }
        timeoutSeconds = try settings.int("JOB_TIMEOUT_SECONDS", default: 300, range: 5...86_400)
        retryPolicy = RetryPolicySettings(
            delaySeconds: try settings.int("JOB_RETRY_DELAY_SECONDS", default: 60, range: 0...86_400),
            backoff: try settings.int("JOB_RETRY_BACKOFF", default: 1, range: 1...10),
            maxDelaySeconds: try settings.int("JOB_RETRY_MAX_DELAY_SECONDS", default: 3600, range: 0...604_800))
        batchSize = try settings.int("JOB_BATCH_SIZE", default: 20, range: 1...1000)
        pollSeconds = try settings.int("JOB_POLL_SECONDS", default: 10, range: 1...3600)
        jobRetentionDays = try settings.int("JOB_RETENTION_DAYS", default: 30, range: 1...3650)
        idempotencyRetentionHours = try settings.int("IDEMPOTENCY_KEY_RETENTION_HOURS", default: 24, range: 1...8760)
        lockFile =
            settings.string("JOB_LOCK_FILE").flatMap { $0.isEmpty ? nil : $0 }
            ?? Self.defaultLockFile(databaseURL: databaseURL, temporaryDirectory: settings.string("TMPDIR", default: "/tmp"))
        logLevel = settings.string("LOG_LEVEL", default: "info").lowercased()
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ConfigurationError(
                variable: "LOG_LEVEL", problem: "must be one of trace, debug, info, notice, warning, error, critical")
        }
        logFile = settings.string("LOG_FILE").flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `/tmp/jobrunner-<hash of the database URL>.lock`: one runner per host and database.
    static func defaultLockFile(databaseURL: String, temporaryDirectory: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in databaseURL.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01B3
        }
        let directory = temporaryDirectory.isEmpty ? "/tmp" : temporaryDirectory
        return directory + "/jobrunner-" + String(hash, radix: 16) + ".lock"
    }
}
