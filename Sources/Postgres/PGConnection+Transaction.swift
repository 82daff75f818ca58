extension PGConnection {
    /// Runs `body` inside BEGIN/COMMIT (or a savepoint when already in a transaction).
    ///
    /// Any error rolls back (a failing rollback on a dead connection is ignored) and is rethrown.
    /// A COMMIT that the server turns into a rollback throws `.transactionRolledBack`.
    @discardableResult
    public func transaction<T>(_ body: (PGConnection) throws -> T) throws -> T {
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
