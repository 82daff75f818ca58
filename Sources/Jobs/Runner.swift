import AppCore
import Glibc
import JobQueue
import Logging
import Mail
import Postgres

/// The job runner: claims due jobs in batches, runs them one after the other, records each
/// outcome, and stops when nothing is due (`runOnce`, what cron starts) or waits for more
/// (`runLoop`, for development: woken at once by `NOTIFY jobs_inserted`).
///
/// Safety comes from the queue (see `JobStore`): claims with `FOR UPDATE SKIP LOCKED`, an owner
/// and a deadline on every running job, outcome updates that name the owner. The runner keeps
/// its side of the deadline: every wait of a job (SMTP commands included) ends before the lease
/// does, a job is only started while at least half the time limit is left (else the rest of the
/// batch is handed back), and an alarm ends the process if a batch ever outlives its lease.
public final class Runner {
    public struct Summary: Sendable, Equatable {
        public var succeeded = 0
        public var retried = 0
        public var failed = 0
        /// Jobs this runner lost to another (their deadline had passed).
        public var lost = 0
        /// Jobs of dead or overdue runners taken back (retried or failed).
        public var rescued = 0
        /// Claimed but handed back unstarted (stop requested, or the lease ran short).
        public var released = 0

        public init() {}

        public var total: Int { succeeded + retried + failed }
    }

    private let configuration: RunnerConfiguration
    private let connection: PGConnection
    private let transport: any MailTransport
    private let logger: Logger
    private let store: JobStore
    private let performer: JobPerformer
    private let retryPolicy: RetryPolicy
    /// Whether to arm the alarm that ends the process when a batch outlives its lease (off in
    /// tests, which run several runners in one process).
    private let usesWatchdog: Bool
    private var lastHousekeeping: Deadline?

    public init(
        configuration: RunnerConfiguration, connection: PGConnection, transport: any MailTransport,
        logger: Logger, owner: String, usesWatchdog: Bool = true, now: @escaping () -> Int64 = Runner.unixNow
    ) {
        self.configuration = configuration
        self.connection = connection
        self.transport = transport
        self.logger = logger
        self.store = JobStore(connection: connection, owner: owner)
        self.performer = JobPerformer(connection: connection, transport: transport, mailFrom: configuration.mailFrom, now: now)
        self.retryPolicy = RetryPolicy(
            baseDelaySeconds: configuration.retryPolicy.delaySeconds,
            factor: configuration.retryPolicy.backoff,
            maxDelaySeconds: configuration.retryPolicy.maxDelaySeconds)
        self.usesWatchdog = usesWatchdog
    }

    public var owner: String { store.owner }

    /// Claims and runs batches until nothing is due or `shouldStop` says so (checked between jobs).
    public func runOnce(shouldStop: () -> Bool = { false }) throws -> Summary {
        var summary = Summary()
        while !shouldStop() {
            let rescued = try store.rescueExpired()
            summary.rescued += rescued.retried + rescued.failed
            if rescued.retried + rescued.failed > 0 {
                logger.warning(
                    "Took back jobs past their deadline",
                    metadata: [
                        "jobs.retried": "\(rescued.retried)", "jobs.failed": "\(rescued.failed)",
                    ])
            }
            let lease = configuration.timeoutSeconds
            let jobs = try store.claim(limit: configuration.batchSize, leaseSeconds: lease)
            if jobs.isEmpty { break }
            // Our own end of the lease, a little before the database's, so a job never outlives it.
            let margin = Double(max(1, min(10, lease / 10)))
            let leaseEnd = Deadline.after(seconds: Double(lease) - margin)
            if usesWatchdog { alarm(UInt32(lease) + 2) }
            defer { if usesWatchdog { alarm(0) } }
            for (index, job) in jobs.enumerated() {
                if shouldStop() || leaseEnd.secondsLeft < Double(lease) / 2 {
                    let rest = Array(jobs[index...])
                    try store.release(rest)
                    summary.released += rest.count
                    break
                }
                try run(job, deadline: leaseEnd, summary: &summary)
            }
        }
        return summary
    }

    /// Runs batches, then waits for a notification (or `pollSeconds`, or the next due time) and
    /// runs again, until `shouldStop`. Database trouble is logged and retried after a pause.
    public func runLoop(interruptDescriptor: Int32?, shouldStop: () -> Bool) {
        var listening = false
        var pause = 1.0
        while !shouldStop() {
            do {
                if !connection.isConnected { try connection.reconnect() }
                if !listening {
                    try connection.listen("jobs_inserted")
                    listening = true
                }
                let summary = try runOnce(shouldStop: shouldStop)
                if summary.total + summary.rescued > 0 { log(summary) }
                housekeep()
                transport.close()
                pause = 1
                let next = try store.secondsUntilNextDue() ?? Double(configuration.pollSeconds)
                let wait = min(Double(configuration.pollSeconds), max(0.05, next))
                _ = try connection.waitForNotifications(timeoutSeconds: wait, interruptDescriptor: interruptDescriptor)
            } catch {
                if let error = error as? PGError, error.isConnectionProblem {
                    logger.error(
                        "Job runner loop lost the database; trying again",
                        metadata: ["error": "\(error)", "retry.seconds": "\(pause)"])
                } else {
                    logger.error(
                        "Unhandled error",
                        metadata: [
                            "during": "job runner loop", "error": "\(error)",
                            "retry.seconds": "\(pause)",
                        ])
                }
                transport.close()
                listening = false
                if !connection.isConnected { _ = try? connection.reconnect() }
                var interrupted = false
                if let interruptDescriptor {
                    var descriptor = pollfd(fd: interruptDescriptor, events: Int16(POLLIN), revents: 0)
                    interrupted = poll(&descriptor, 1, Int32(pause * 1000)) > 0
                } else {
                    usleep(UInt32(pause * 1_000_000))
                }
                if interrupted && shouldStop() { break }
                pause = min(pause * 2, 30)
            }
        }
        transport.close()
    }

    /// The housekeeping pass (see `Housekeeping`), then the fold of the row counts' shards (see
    /// `CounterShards`), at most once a minute in `--loop` mode; logged when they changed
    /// anything. Failures are logged and left for the next run.
    public func housekeep() {
        if let last = lastHousekeeping, Deadline.now().nanoseconds - last.nanoseconds < 60_000_000_000 { return }
        lastHousekeeping = Deadline.now()
        do {
            let housekeeping = Housekeeping(
                connection: connection, jobRetentionDays: configuration.jobRetentionDays,
                idempotencyRetentionHours: configuration.idempotencyRetentionHours)
            // nil: another runner holds the housekeeping lock, and it folds the counters too.
            guard let removed = try housekeeping.run(runner: owner) else { return }
            if !removed.isEmpty {
                logger.info(
                    "Housekeeping removed old rows",
                    metadata: [
                        "idempotency_keys": "\(removed.idempotencyKeys)",
                        "refresh_token_families": "\(removed.refreshTokenFamilies)",
                        "campaigns.finalized": "\(removed.campaignsFinalized)", "jobs": "\(removed.jobs)",
                    ])
            }
            let folded = try CounterShards(connection: connection).fold()
            if folded > 0 { logger.info("Row counts folded into shard 0", metadata: ["counter_rows": "\(folded)"]) }
        } catch let error as PGError where error.isConnectionProblem {
            logger.warning("Housekeeping failed: database unavailable; the next run tries again", metadata: ["error": "\(error)"])
        } catch {
            logger.error("Unhandled error", metadata: ["during": "housekeeping", "error": "\(error)"])
        }
    }

    /// Writes one line with the counts of a run.
    public func log(_ summary: Summary) {
        logger.info(
            "Job run finished",
            metadata: [
                "jobs.succeeded": "\(summary.succeeded)", "jobs.retried": "\(summary.retried)",
                "jobs.failed": "\(summary.failed)", "jobs.lost": "\(summary.lost)",
                "jobs.rescued": "\(summary.rescued)", "jobs.released": "\(summary.released)",
            ])
    }

    private func run(_ job: ClaimedJob, deadline: Deadline, summary: inout Summary) throws {
        let started = Deadline.now()
        let outcome = performer.perform(job, store: store, deadline: deadline)
        var metadata: Logger.Metadata = [
            "job.id": "\(job.id)", "job.kind": "\(job.kind)", "job.attempt": "\(job.attempt)",
            "job.ms": "\((Deadline.now().nanoseconds - started.nanoseconds) / 1_000_000)",
        ]
        switch outcome {
        case .succeeded(let recorded, let detail):
            let kept = try recorded || store.succeed(job)
            if kept {
                summary.succeeded += 1
                if let detail { metadata["job.detail"] = "\(detail)" }
                logger.info("Job succeeded", metadata: metadata)
            } else {
                summary.lost += 1
                logger.warning("Job finished after its deadline; another runner has it", metadata: metadata)
            }
        case .failed(let permanent, let error):
            metadata["error"] = "\(error)"
            switch retryPolicy.outcome(afterAttempt: job.attempt, of: job.maxAttempts, permanent: permanent) {
            case .retry(let delay):
                guard try store.retry(job, error: error, delaySeconds: delay) else { return lostJob(metadata, &summary) }
                summary.retried += 1
                metadata["retry.seconds"] = "\(delay)"
                logger.warning("Job failed; will retry", metadata: metadata)
            case .fail:
                guard try store.fail(job, error: error) else { return lostJob(metadata, &summary) }
                summary.failed += 1
                metadata["permanent"] = "\(permanent)"
                logger.error("Job failed for good", metadata: metadata)
            }
        case .lost:
            lostJob(metadata, &summary)
        }
    }

    private func lostJob(_ metadata: Logger.Metadata, _ summary: inout Summary) {
        summary.lost += 1
        logger.warning("Job finished after its deadline; another runner has it", metadata: metadata)
    }

    /// Wall-clock Unix seconds (for the mails' Date header).
    public static func unixNow() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec)
    }

    /// `host:pid:random`, this process's name in `locked_by`.
    public static func makeOwnerName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        let host = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return "\(host.prefix(120)):\(getpid()):\(String(UInt32.random(in: 0...UInt32.max), radix: 16))"
    }

    /// This host's name (the EHLO name and the maildir file names).
    public static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count - 1)
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
