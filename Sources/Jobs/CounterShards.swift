import Postgres

/// Folds the shards of the exact row counts (migration 0007's `row_counts`) into shard 0.
///
/// Every session that writes items or users adds to counter rows of its own shard
/// (`pg_backend_pid() % 64`), so that concurrent writers do not queue on one row. The rows a
/// list's total or a deep page's walk reads then grow with the sessions that ever wrote: up to
/// 64 for each bucket of 1,024 ids. After each housekeeping pass the runner moves every other
/// shard's count into shard 0, in one statement: a total read meanwhile sees the counts before
/// or after the move, never half of it. Counter rows a writer holds right now are skipped (the
/// next pass takes them), so no write waits for the fold, and the fold waits at most for a
/// writer's shard-0 rows, locked in the same order as the writers lock theirs, and never longer
/// than `lockTimeoutMilliseconds`: a fold that would wait longer is given up and left to the next
/// pass, and so is one that keeps meeting deadlocks (a transaction that writes both tables may lock
/// their counters in the other order) after `PGConnection.transaction` has run it again.
public struct CounterShards {
    let connection: PGConnection
    /// At most this many counter rows are folded by one pass (the next goes on).
    let batchLimit: Int

    public init(connection: PGConnection, batchLimit: Int = 10_000) {
        self.connection = connection
        self.batchLimit = batchLimit
    }

    /// How long the fold waits for a counter row a writer holds.
    static let lockTimeoutMilliseconds = 1000

    /// Moves up to `batchLimit` counter rows of shards other than 0 into shard 0; returns how
    /// many were moved (0 also when the fold was given up, see above).
    @discardableResult
    public func fold() throws -> Int {
        do {
            return try connection.transaction { connection in
                try connection.query("SELECT set_config('lock_timeout', \(String(Self.lockTimeoutMilliseconds)), true)")
                return try foldBatch(on: connection)
            }
        } catch let error as PGError where error.isTransientConflict || error.sqlState == "55P03" {
            return 0  // deadlock or serialization failure (retried already), lock_not_available: the next pass tries again
        }
    }

    private func foldBatch(on connection: PGConnection) throws -> Int {
        try connection.query(
            """
            WITH moved AS (
                DELETE FROM row_counts WHERE (relname, bucket, shard) IN (
                    SELECT relname, bucket, shard FROM row_counts WHERE shard <> 0
                    ORDER BY relname, bucket, shard LIMIT \(batchLimit)
                    FOR UPDATE SKIP LOCKED)
                RETURNING relname, bucket, n
            ), folded AS (
                INSERT INTO row_counts AS c (relname, bucket, shard, n)
                SELECT relname, bucket, 0, sum(n) FROM moved GROUP BY relname, bucket ORDER BY relname, bucket
                ON CONFLICT (relname, bucket, shard) DO UPDATE SET n = c.n + excluded.n
            )
            SELECT count(*) FROM moved
            """
        )[0].decode(0)
    }
}
