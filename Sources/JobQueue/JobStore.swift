import AppCore
import JSON
import Postgres

/// The runner's side of the queue: claims, outcomes, rescue of jobs past their deadline, counts.
///
/// - Claim: one statement picks due jobs (`queued` or `retrying`, `run_at <= now()`) in order
///   with `FOR UPDATE SKIP LOCKED`, so concurrent runners (on any host) each get other rows and
///   never wait on one another, and marks them `running`, counts the attempt, and records the
///   owner and deadline (`now() + lease`). It commits at once: no transaction stays open while
///   mail is sent.
/// - Outcome: every update of a running job names its owner and attempt, so a runner that lost
///   its job (its deadline passed and another runner took it back) changes nothing.
/// - Rescue: running jobs past their deadline (the runner died, hung, or ran over the time limit)
///   go back to `retrying`, or to `failed` when their attempts are used up.
///
/// Times are the database server's (`now()`), so runners on several hosts need no common clock.
public struct JobStore {
    public let connection: PGConnection
    /// This runner's name in `locked_by`: `host:pid:random`.
    public let owner: String

    public init(connection: PGConnection, owner: String) {
        self.connection = connection
        self.owner = owner
    }

    /// Claims up to `limit` due jobs, oldest due first, each locked for `leaseSeconds`.
    public func claim(limit: Int, leaseSeconds: Int) throws -> [ClaimedJob] {
        let rows = try connection.query(
            """
            WITH due AS (
                SELECT id FROM jobs
                WHERE state IN ('queued', 'retrying') AND run_at <= now()
                ORDER BY run_at, id
                LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            )
            UPDATE jobs SET state = 'running', attempts = jobs.attempts + 1, locked_by = \(owner),
                locked_until = now() + make_interval(secs => \(leaseSeconds)),
                started_at = now(), updated_at = now()
            FROM due WHERE jobs.id = due.id
            RETURNING jobs.id, jobs.kind, jobs.payload::text, jobs.attempts, jobs.max_attempts,
                (extract(epoch FROM jobs.created_at) * 1000000)::bigint, jobs.parent_id, jobs.run_at
            """)
        var claimed: [(job: ClaimedJob, order: String)] = []
        for row in rows {
            let payload = try JSONParser.parse(try row.decode(2, as: String.self))
            let job = ClaimedJob(
                id: try row.decode(0), kind: try row.decode(1), payload: payload,
                attempt: try row.decode(3), maxAttempts: try row.decode(4),
                createdAtMicroseconds: try row.decode(5), parentID: try row.decode(6))
            claimed.append((job, try row.decode(7, as: String.self)))
        }
        // RETURNING has no order: run them in due order (run_at, then id).
        return claimed.sorted { ($0.order, $0.job.id) < ($1.order, $1.job.id) }.map(\.job)
    }

    /// Marks a job done. False when this runner no longer holds it.
    @discardableResult
    public func succeed(_ job: ClaimedJob) throws -> Bool {
        try connection.query(
            """
            UPDATE jobs SET state = 'succeeded', finished_at = now(), updated_at = now(),
                locked_by = NULL, locked_until = NULL
            WHERE id = \(job.id) AND state = 'running' AND locked_by = \(owner) AND attempts = \(job.attempt)
            """
        ).affectedRows == 1
    }

    /// Schedules the next attempt after `delaySeconds`, keeping `error` as the last error.
    @discardableResult
    public func retry(_ job: ClaimedJob, error: String, delaySeconds: Int) throws -> Bool {
        try connection.query(
            """
            UPDATE jobs SET state = 'retrying', last_error = \(Self.clip(error)),
                run_at = now() + make_interval(secs => \(delaySeconds)), updated_at = now(),
                locked_by = NULL, locked_until = NULL
            WHERE id = \(job.id) AND state = 'running' AND locked_by = \(owner) AND attempts = \(job.attempt)
            """
        ).affectedRows == 1
    }

    /// Gives the job up for good with `error` as its last error.
    @discardableResult
    public func fail(_ job: ClaimedJob, error: String) throws -> Bool {
        try connection.query(
            """
            UPDATE jobs SET state = 'failed', last_error = \(Self.clip(error)), finished_at = now(),
                updated_at = now(), locked_by = NULL, locked_until = NULL
            WHERE id = \(job.id) AND state = 'running' AND locked_by = \(owner) AND attempts = \(job.attempt)
            """
        ).affectedRows == 1
    }

    /// Hands back claimed jobs that were never started (the runner is stopping, or their lease
    /// ran short): the attempt is not counted and they are due again at once.
    public func release(_ jobs: [ClaimedJob]) throws {
        for job in jobs {
            try connection.query(
                """
                UPDATE jobs SET state = CASE WHEN attempts - 1 = 0 THEN 'queued' ELSE 'retrying' END,
                    attempts = attempts - 1, updated_at = now(), locked_by = NULL, locked_until = NULL
                WHERE id = \(job.id) AND state = 'running' AND locked_by = \(owner) AND attempts = \(job.attempt)
                """)
        }
    }

    /// Takes back running jobs whose deadline has passed: `retrying` (due at once), or `failed`
    /// when the lost attempt was their last. Returns how many of each.
    public func rescueExpired(limit: Int = 1000) throws -> (retried: Int, failed: Int) {
        let rows = try connection.query(
            """
            WITH lost AS (
                SELECT id FROM jobs
                WHERE state = 'running' AND locked_until < now()
                ORDER BY locked_until
                LIMIT \(limit)
                FOR UPDATE SKIP LOCKED
            )
            UPDATE jobs SET
                state = CASE WHEN jobs.attempts >= jobs.max_attempts THEN 'failed' ELSE 'retrying' END,
                last_error = 'time limit exceeded: attempt ' || jobs.attempts || ' by ' || jobs.locked_by
                    || ' was not finished by its deadline ' || to_char(jobs.locked_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
                    || ' (the runner died, or the job ran past its time limit)',
                finished_at = CASE WHEN jobs.attempts >= jobs.max_attempts THEN now() END,
                run_at = now(), updated_at = now(), locked_by = NULL, locked_until = NULL
            FROM lost WHERE jobs.id = lost.id
            RETURNING jobs.state
            """)
        var retried = 0
        var failed = 0
        for row in rows {
            if try row.decode(0, as: String.self) == JobState.failed.rawValue { failed += 1 } else { retried += 1 }
        }
        return (retried, failed)
    }

    /// Seconds until the next job is due (0 when one is due now); nil when nothing waits.
    /// Running jobs count from their deadline, when the rescue would take them back.
    public func secondsUntilNextDue() throws -> Double? {
        let rows = try connection.query(
            """
            SELECT greatest(0, extract(epoch FROM (min(t) - now())))::float8 FROM (
                SELECT min(run_at) AS t FROM jobs WHERE state IN ('queued', 'retrying')
                UNION ALL
                SELECT min(locked_until) FROM jobs WHERE state = 'running'
            ) AS next
            """)
        return try rows.first?.decode(0, as: Double?.self)
    }

    /// How many jobs are in each state (every state listed, zeros included).
    public static func counts(on connection: PGConnection) throws -> [(state: JobState, count: Int)] {
        let rows = try connection.query("SELECT state, count(*) FROM jobs GROUP BY state")
        var byState: [String: Int] = [:]
        for row in rows { byState[try row.decode(0)] = try row.decode(1, as: Int.self) }
        return JobState.allCases.map { ($0, byState[$0.rawValue] ?? 0) }
    }

    /// Error texts are kept to a sane length (an SMTP server may answer at length).
    static func clip(_ text: String) -> String {
        text.utf8.count <= 2000 ? text : String(decoding: text.utf8.prefix(2000), as: UTF8.self) + "…"
    }
}
