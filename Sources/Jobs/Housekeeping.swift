import JobQueue
import Postgres

/// What keeps the tables bounded, run by the job runner after each `run` (cron's every minute):
///
/// - `Idempotency-Key` records older than `IDEMPOTENCY_KEY_RETENTION_HOURS` (24: a client
///   retrying a request within a day gets its first answer again);
/// - refresh-token families whose newest token has expired (their tokens go with them);
/// - the results of campaigns that are done are kept on the campaign (`CampaignStore
///   .finalizeFinished`), then jobs finished more than `JOB_RETENTION_DAYS` ago are removed,
///   except those of a campaign whose result is not kept yet;
/// - this table's own records after the same retention.
///
/// Each pass removes at most `batchLimit` rows of a table, so that no statement holds locks for
/// long on a large backlog (the next run goes on). Runners on several hosts take turns: the pass
/// runs under a transaction-level advisory lock, and a runner that finds it taken skips.
/// Each pass is recorded in `housekeeping_runs`; `JobRunner status` shows the latest.
public struct Housekeeping {
    public struct Removed: Sendable, Equatable {
        public var idempotencyKeys = 0
        public var refreshTokenFamilies = 0
        public var campaignsFinalized = 0
        public var jobs = 0

        public init() {}

        public var isEmpty: Bool { idempotencyKeys + refreshTokenFamilies + campaignsFinalized + jobs == 0 }
    }

    /// The advisory lock's keys: ("jobs", 1), apart from the chat's ("chat", room).
    static let lockClass: Int32 = 0x6A6F_6273
    static let lockKey: Int32 = 1

    let connection: PGConnection
    let jobRetentionDays: Int
    let idempotencyRetentionHours: Int
    let batchLimit: Int

    public init(connection: PGConnection, jobRetentionDays: Int, idempotencyRetentionHours: Int, batchLimit: Int = 10_000) {
        self.connection = connection
        self.jobRetentionDays = jobRetentionDays
        self.idempotencyRetentionHours = idempotencyRetentionHours
        self.batchLimit = batchLimit
    }

    /// One pass; nil when another runner is doing one right now.
    public func run(runner: String) throws -> Removed? {
        try connection.transaction { connection in
            let locked: Bool = try connection.query(
                "SELECT pg_try_advisory_xact_lock(\(Self.lockClass), \(Self.lockKey))")[0].decode(0)
            guard locked else { return nil }
            var removed = Removed()
            removed.idempotencyKeys = try connection.query(
                """
                DELETE FROM idempotency_keys WHERE (scope, key) IN (
                    SELECT scope, key FROM idempotency_keys
                    WHERE created_at < now() - make_interval(hours => \(idempotencyRetentionHours))
                    ORDER BY created_at LIMIT \(batchLimit))
                """
            ).affectedRows
            removed.refreshTokenFamilies = try connection.query(
                """
                DELETE FROM refresh_token_families WHERE family_id IN (
                    SELECT family_id FROM refresh_token_families WHERE expires_at < now()
                    ORDER BY expires_at LIMIT \(batchLimit))
                """
            ).affectedRows
            removed.campaignsFinalized = try CampaignStore(connection: connection).finalizeFinished()
            removed.jobs = try connection.query(
                """
                DELETE FROM jobs WHERE id IN (
                    SELECT j.id FROM jobs j
                    WHERE j.state IN ('succeeded', 'failed')
                      AND j.finished_at < now() - make_interval(days => \(jobRetentionDays))
                      AND NOT EXISTS (SELECT 1 FROM campaign_tasks c
                                      WHERE c.job_id IN (j.id, j.parent_id) AND c.final_state IS NULL)
                    ORDER BY j.finished_at LIMIT \(batchLimit))
                """
            ).affectedRows
            try connection.query(
                """
                DELETE FROM housekeeping_runs WHERE ran_at < now() - make_interval(days => \(jobRetentionDays))
                """)
            try connection.query(
                """
                INSERT INTO housekeeping_runs (runner, idempotency_keys, refresh_token_families, campaigns_finalized, jobs)
                VALUES (\(runner), \(removed.idempotencyKeys), \(removed.refreshTokenFamilies),
                        \(removed.campaignsFinalized), \(removed.jobs))
                """)
            return removed
        }
    }

    /// The latest pass: when, by whom, and what it removed; nil when there was none.
    public static func latest(on connection: PGConnection) throws -> (ranAt: String, runner: String, removed: Removed)? {
        guard
            let row = try connection.query(
                """
                SELECT to_char(ran_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'), runner,
                       idempotency_keys, refresh_token_families, campaigns_finalized, jobs
                FROM housekeeping_runs ORDER BY id DESC LIMIT 1
                """
            ).first
        else { return nil }
        var removed = Removed()
        removed.idempotencyKeys = try row.decode(2)
        removed.refreshTokenFamilies = try row.decode(3)
        removed.campaignsFinalized = try row.decode(4)
        removed.jobs = try row.decode(5)
        return (try row.decode(0), try row.decode(1), removed)
    }
}
