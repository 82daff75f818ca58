import AppCore
import Glibc
import JobQueue
import Logging
import Mail
import Postgres
import Startup

/// The command line of the job runner, parsed by hand as FCGIApp's is.
///
/// ```
/// JobRunner run [once]     claim and run due jobs until none is due, then exit (cron)
/// JobRunner run --loop     keep running, woken by new jobs (development)
/// JobRunner status         how many jobs are in each state
/// ```
public struct RunnerCommand: Equatable, Sendable {
    public enum Action: Equatable, Sendable {
        case runOnce
        case runLoop
        case status
        case help
    }

    public var action: Action
    public var lockFile: String?
    public var batchSize: Int?

    public static let usage = """
        usage: JobRunner run [once] [--lock-file PATH] [--batch N]
               JobRunner run --loop [--lock-file PATH] [--batch N]
               JobRunner status

          run once   claim due jobs (FOR UPDATE SKIP LOCKED, in batches), send the mails, record
                     each outcome, and exit when nothing is due: what cron starts every minute.
                     A second run on the same host (same lock file) exits at once.
          run --loop keep going: after each run, wait for new jobs (LISTEN/NOTIFY) or the next
                     retry; stop with SIGTERM or Ctrl-C (the job in hand is finished first).
          status     print the number of jobs in each state, and what the latest housekeeping
                     pass removed (old idempotency keys, expired refresh tokens, finished jobs).

        Settings come from the environment and ./.env: DATABASE_URL, MAIL_URL, MAIL_FROM,
        JOB_TIMEOUT_SECONDS, JOB_RETRY_DELAY_SECONDS, JOB_RETRY_BACKOFF, JOB_BATCH_SIZE,
        JOB_POLL_SECONDS, JOB_RETENTION_DAYS, IDEMPOTENCY_KEY_RETENTION_HOURS, JOB_LOCK_FILE,
        LOG_LEVEL, LOG_FILE (see README.md). SIGUSR1 reopens LOG_FILE (after logrotate renamed it).
        """

    static let parser = CommandLineParser([
        .init(["run"], options: ["--lock-file", "--batch"], flags: ["--loop"]),
        .init(["run", "once"], options: ["--lock-file", "--batch"]),
        .init(["status"]),
    ])

    public init(arguments: [String]) throws(CommandLineParser.UsageError) {
        let line = try Self.parser.parse(arguments)
        switch line.command {
        case ["help"]: action = .help
        case ["status"]: action = .status
        default: action = line.has("--loop") ? .runLoop : .runOnce
        }
        lockFile = line.value("--lock-file")
        batchSize = try line.int("--batch", in: 1...1000)
    }

    /// Runs the command; returns the exit status.
    public func execute(configuration base: RunnerConfiguration, logger: Logger) -> Int32 {
        var configuration = base
        if let lockFile { configuration.lockFile = lockFile }
        if let batchSize { configuration.batchSize = batchSize }
        switch action {
        case .help:
            Console.out(Self.usage)
            return 0
        case .status:
            return status(configuration)
        case .runOnce, .runLoop:
            return run(configuration, logger: logger)
        }
    }

    private func status(_ configuration: RunnerConfiguration) -> Int32 {
        do {
            let connection = try PGConnection(conninfo: configuration.databaseURL)
            for (state, count) in try JobStore.counts(on: connection) {
                Console.out(state.rawValue.padding(to: 10) + " " + String(count))
            }
            if let (ranAt, runner, removed) = try Housekeeping.latest(on: connection) {
                Console.out(
                    """
                    housekeeping \(ranAt) by \(runner): removed \(removed.idempotencyKeys) idempotency keys, \
                    \(removed.refreshTokenFamilies) refresh-token families, \(removed.jobs) jobs; \
                    kept the result of \(removed.campaignsFinalized) campaigns
                    """)
            } else {
                Console.out("housekeeping never ran")
            }
            return 0
        } catch let error as PGError {
            Console.fail("status: \(error.debugDescription)")
            return 1
        } catch {
            Console.fail("status: \(error)")
            return 1
        }
    }

    private func run(_ configuration: RunnerConfiguration, logger: Logger) -> Int32 {
        let lock: HostLock
        do {
            switch try HostLock.acquire(path: configuration.lockFile) {
            case .acquired(let held): lock = held
            case .heldByAnother:
                logger.notice(
                    "Another runner holds this host's lock; nothing to do", metadata: ["lock.file": "\(configuration.lockFile)"])
                return 0
            }
        } catch {
            Console.fail("\(error)")
            return 1
        }
        defer { withExtendedLifetime(lock) {} }
        // SIGTERM, SIGINT and SIGQUIT ask for a stop after the job in hand (a self-pipe, read
        // between jobs and polled by --loop's wait).
        let signals: SignalPipe
        do {
            signals = try SignalPipe.install([SIGTERM, SIGINT, SIGQUIT])
        } catch {
            Console.fail("\(error)")
            return error.exitCode
        }
        var stopRequested = false
        let shouldStop = { () -> Bool in
            while signals.next() != nil { stopRequested = true }
            return stopRequested
        }
        let transport: any MailTransport
        let connection: PGConnection
        do {
            transport = try MailTransports.make(configuration.mailURL, hostName: Runner.hostName())
            connection = try PGConnection(conninfo: configuration.databaseURL)
        } catch let error as PGError {
            // The runner's one session: a server with none left gets the budget's line (README,
            // "Several hosts"), as a pool or a chat daemon that does not fit.
            if error.isServerFull,
                let refusal = ConnectionBudget.Verdict.serverFull.refusal(
                    need: 1, holder: "this job runner", reason: "one session")
            {
                Console.fail(refusal)
                return 78
            }
            logger.error("Cannot connect to the database", metadata: ["error": "\(error.debugDescription)"])
            return 1
        } catch {
            logger.error("Cannot set up the mail transport", metadata: ["error": "\(error)"])
            return 1
        }
        let runner = Runner(
            configuration: configuration, connection: connection, transport: transport, logger: logger,
            owner: Runner.makeOwnerName())
        logger.info(
            "Job runner started",
            metadata: [
                "mode": "\(action == .runLoop ? "loop" : "once")", "runner": "\(runner.owner)",
                "mail.url": "\(configuration.mailURL.redacted)", "batch": "\(configuration.batchSize)",
                "timeout.seconds": "\(configuration.timeoutSeconds)",
            ])
        if action == .runLoop {
            runner.runLoop(interruptDescriptor: signals.fileDescriptor, shouldStop: shouldStop)
            logger.info("Job runner stopped")
            return 0
        }
        do {
            let summary = try runner.runOnce(shouldStop: shouldStop)
            transport.close()
            runner.log(summary)
            if !shouldStop() { runner.housekeep() }
            return 0
        } catch let error as PGError where error.isConnectionProblem {
            transport.close()
            logger.error("Job run failed: database unavailable", metadata: ["error": "\(error.debugDescription)"])
            return 1
        } catch {
            transport.close()
            logger.error("Unhandled error", metadata: ["during": "job run", "error": "\(error)"])
            return 1
        }
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

/// JobRunner's lines for a person at a terminal (results and start-up failures).
public let Console = TerminalOutput(program: "JobRunner")
