import Glibc

extension PGConnection {
    /// How many times a whole transaction is run before a serialization failure or deadlock
    /// (`PGError.isTransientConflict`) is given up on and thrown.
    public static let transactionAttempts = 3

    /// Runs `body` inside BEGIN/COMMIT (or a savepoint when already in a transaction).
    ///
    /// Any error rolls back (a failing rollback on a dead connection is ignored) and is rethrown.
    /// A COMMIT that the server turns into a rollback throws `.transactionRolledBack`.
    ///
    /// A top-level transaction that fails with a serialization failure or a deadlock (SQLSTATE
    /// 40001, 40P01: PostgreSQL chose it as the victim of a conflict with another session) is
    /// rolled back and run again, up to `transactionAttempts` times in all, after a short random
    /// pause; then the error is thrown (the API answers 503 with `Retry-After`). `body` must
    /// therefore do nothing but database work that it is safe to start over.
    @discardableResult
    public func transaction<T>(_ body: (PGConnection) throws -> T) throws -> T {
        guard transactionIsIdle else { return try runTransaction(body) }
        var attempt = 1
        while true {
            do {
                return try runTransaction(body)
            } catch let error as PGError where error.isTransientConflict && attempt < Self.transactionAttempts {
                attempt += 1
                // Apart again, so that the sessions that met do not meet the same way at once.
                usleep(UInt32.random(in: 1_000...10_000) * UInt32(attempt))
            }
        }
    }

    private func runTransaction<T>(_ body: (PGConnection) throws -> T) throws -> T {
        let savepoint = transactionIsIdle ? nil : "pg_swift_savepoint_\(savepointDepth + 1)"
        try exec(savepoint.map { "SAVEPOINT \($0)" } ?? "BEGIN")
        if savepoint != nil { savepointDepth += 1 }
        defer {
            if savepoint != nil { savepointDepth -= 1 }
        }
        let value: T
        let commandTag: String
        do {
            value = try body(self)
            commandTag = try exec(savepoint.map { "RELEASE SAVEPOINT \($0)" } ?? "COMMIT").commandTag
        } catch {
            rollBack(to: savepoint)
            throw error
        }
        if savepoint == nil && commandTag == "ROLLBACK" {
            throw PGError(
                .transactionRolledBack,
                message: "COMMIT rolled back the transaction because an earlier statement in it failed"
            )
        }
        return value
    }

    /// Undoes the transaction or savepoint; a failure (e.g. a dead connection) is deliberately ignored
    /// because the caller is already throwing the error that caused the rollback.
    private func rollBack(to savepoint: String?) {
        let sql = savepoint.map { "ROLLBACK TO SAVEPOINT \($0); RELEASE SAVEPOINT \($0)" } ?? "ROLLBACK"
        _ = try? exec(sql)
    }
}
