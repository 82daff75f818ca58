import AppCore
import JSON
import Postgres

/// Enqueueing: a job is one row in `jobs`, written on the caller's connection, so it belongs to
/// the caller's transaction: it exists exactly when the change that caused it was committed.
///
/// ```swift
/// try connection.transaction { connection in
///     let userID = try users.create(...)
///     try JobQueue.enqueue(NewJob(kind: JobKind.mail, payload: ...), on: connection)
/// }
/// ```
/// Runners in `--loop` mode are woken when the transaction commits (a statement trigger sends
/// `NOTIFY jobs_inserted`); cron-started runners find the job at their next start.
public enum JobQueue {
    /// One try and the seed's three retries (Celery `max_retries=3`).
    public static let defaultMaxAttempts = 4

    /// Inserts `job` and returns its id.
    @discardableResult
    public static func enqueue(_ job: NewJob, on connection: PGConnection) throws -> Int64 {
        let rows = try connection.query(
            """
            INSERT INTO jobs (kind, payload, max_attempts, run_at)
            VALUES (\(job.kind), \(job.payload.jsonString)::jsonb, \(job.maxAttempts),
                    now() + make_interval(secs => \(job.delaySeconds)))
            RETURNING id
            """)
        return try rows[0].decode(0, as: Int64.self)
    }
}
