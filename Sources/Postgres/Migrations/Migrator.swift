/// Applies and reverts migrations, recording them in `schema_migrations`.
///
/// Each migration runs in its own transaction that first takes a fixed
/// transaction-level advisory lock and re-checks the bookkeeping table, so two
/// migrators started together never apply the same migration twice. Migration
/// SQL must therefore not contain BEGIN/COMMIT or statements that cannot run in
/// a transaction (e.g. CREATE INDEX CONCURRENTLY).
public struct Migrator {
    /// The `pg_advisory_xact_lock` key shared by all migrators ("SWFTMIGR").
    static let lockKey: Int64 = 0x5357_4654_4D49_4752

    private let connection: PGConnection
    private let migrations: [Migration]

    /// A migrator for `migrations` (any order) over `connection`.
    public init(connection: PGConnection, migrations: [Migration]) {
        self.connection = connection
        self.migrations = migrations.sorted { $0.version < $1.version }
    }

    /// Applies the pending migrations in version order and returns the ones this call applied.
    @discardableResult
    public func up() throws -> [Migration] {
        try checkUniqueVersions()
        try createTableIfMissing()
        let done = Set(try appliedRows().map(\.version))
        var applied: [Migration] = []
        for migration in migrations where !done.contains(migration.version) {
            let didApply = try connection.transaction { connection in
                try Self.lock(connection)
                guard try !Self.isApplied(migration.version, on: connection) else { return false }
                try connection.execute(unsafeSQL: migration.upSQL)
                try connection.query(
                    """
                    insert into schema_migrations (version, name) values (\(migration.version), \(migration.name))
                    """)
                return true
            }
            if didApply { applied.append(migration) }
        }
        return applied
    }

    /// Reverts the `steps` newest applied migrations, newest first, and returns them.
    ///
    /// Throws before changing anything if one of them has no down SQL or no longer has a file.
    @discardableResult
    public func down(steps: Int = 1) throws -> [Migration] {
        try checkUniqueVersions()
        guard steps > 0, try tableExists() else { return [] }
        let known = Dictionary(uniqueKeysWithValues: migrations.map { ($0.version, $0) })
        let newest = try appliedRows().sorted { $0.version > $1.version }.prefix(steps)
        let plan = try newest.map { row throws -> Migration in
            guard let migration = known[row.version] else {
                throw MigrationError("applied migration \(row.version) (\(row.name)) has no migration file")
            }
            guard migration.downSQL != nil else {
                throw MigrationError("\(migration.fileStem).down.sql is missing; cannot revert \(migration.fileStem)")
            }
            return migration
        }
        var reverted: [Migration] = []
        for migration in plan {
            let didRevert = try connection.transaction { connection in
                try Self.lock(connection)
                guard try Self.isApplied(migration.version, on: connection) else { return false }
                try connection.execute(unsafeSQL: migration.downSQL ?? "")
                try connection.query("delete from schema_migrations where version = \(migration.version)")
                return true
            }
            if didRevert { reverted.append(migration) }
        }
        return reverted
    }

    /// Every known migration (files and bookkeeping rows) with whether and when it was applied.
    public func status() throws -> [MigrationStatus] {
        let rows = try tableExists() ? appliedRows() : []
        var byVersion: [Int: MigrationStatus] = [:]
        for migration in migrations {
            byVersion[migration.version] = MigrationStatus(
                version: migration.version, name: migration.name, applied: false, appliedAt: nil
            )
        }
        for row in rows {
            byVersion[row.version] = MigrationStatus(
                version: row.version, name: byVersion[row.version]?.name ?? row.name,
                applied: true, appliedAt: row.appliedAt
            )
        }
        return byVersion.values.sorted { $0.version < $1.version }
    }

    // MARK: - Internals

    private func checkUniqueVersions() throws {
        for (previous, next) in zip(migrations, migrations.dropFirst()) where previous.version == next.version {
            throw MigrationError("duplicate migration version \(next.version): \(previous.name) and \(next.name)")
        }
    }

    private func tableExists() throws -> Bool {
        try connection.query("select to_regclass('schema_migrations') is not null")[0].decode(0)
    }

    private func createTableIfMissing() throws {
        guard try !tableExists() else { return }
        try connection.transaction { connection in
            try Self.lock(connection)
            try connection.execute(
                unsafeSQL: """
                    create table if not exists schema_migrations (
                        version bigint primary key,
                        name text not null,
                        applied_at timestamptz not null default now()
                    )
                    """)
        }
    }

    private func appliedRows() throws -> [(version: Int, name: String, appliedAt: String)] {
        try connection.query("select version, name, applied_at::text from schema_migrations order by version")
            .map { row throws in try row.decode((Int, String, String).self) }
            .map { (version: $0.0, name: $0.1, appliedAt: $0.2) }
    }

    private static func lock(_ connection: PGConnection) throws {
        try connection.query("select pg_advisory_xact_lock(\(lockKey))")
    }

    private static func isApplied(_ version: Int, on connection: PGConnection) throws -> Bool {
        try !connection.query("select 1 from schema_migrations where version = \(version)").isEmpty
    }
}
