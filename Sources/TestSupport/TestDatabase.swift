import Glibc
import Postgres

/// The PostgreSQL that integration tests use: `PG_TEST_URL` (a libpq conninfo or URI), which
/// `scripts/test` sets after starting a throwaway cluster.
///
/// Integration suites run when `PG_TEST_URL` is set, or when `CI` is `true`, in which case a
/// missing URL fails every integration test instead of skipping it: under CI a missing
/// database is a broken set-up, not a reason to pass.
public enum TestDatabase {
    /// The conninfo or URI from `PG_TEST_URL`.
    public static let url: String? = environment("PG_TEST_URL")

    /// True when the integration suites should run.
    public static let isEnabled = url != nil || environment("CI") == "true"

    /// The checkout's `migrations/` folder, found from this file's path.
    public static let migrationsDirectory: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Sources/TestSupport/TestDatabase.swift
        return parts.joined(separator: "/") + "/migrations"
    }()

    /// A new connection to the test server; throws a clear error when `PG_TEST_URL` is unset.
    public static func connect() throws -> PGConnection {
        guard let url else { throw MissingTestDatabase() }
        return try PGConnection(conninfo: url)
    }

    /// A fresh schema name, unique per call, so parallel tests do not collide.
    public static func makeSchemaName() -> String {
        "pgtest_\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
    }

    /// Runs `body` with a connection whose `search_path` is a new schema, dropped afterwards.
    @discardableResult
    public static func withSchema<T>(_ body: (PGConnection, _ schema: String) throws -> T) throws -> T {
        let connection = try connect()
        let schema = makeSchemaName()
        try connection.execute(unsafeSQL: "create schema \(schema); set search_path to \(schema)")
        defer {
            if !connection.isConnected { try? connection.reconnect() }
            try? connection.execute(unsafeSQL: "rollback; drop schema if exists \(schema) cascade")
        }
        return try body(connection, schema)
    }

    /// A second connection on the same schema.
    public static func connect(schema: String) throws -> PGConnection {
        let connection = try connect()
        try connection.execute(unsafeSQL: "set search_path to \(schema)")
        return connection
    }

    /// A conninfo for a database created once per test process with every migration applied.
    /// Tests share it; each uses its own rows (unique names) so they can run in parallel.
    public static func migrated() throws -> String {
        try shared.get()
    }

    private static let shared: Result<String, any Error> = Result { try createMigratedDatabase() }

    /// A conninfo for a new database of its own with every migration applied, for tests that
    /// need a table to themselves (a job runner claims every due job in the table).
    public static func makeMigratedDatabase() throws -> String {
        try createMigratedDatabase()
    }

    static func createMigratedDatabase() throws -> String {
        guard let url else { throw MissingTestDatabase() }
        let name = "test_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        try PGConnection(conninfo: url).execute(unsafeSQL: "CREATE DATABASE \(name)")
        let conninfo = replacingDatabase(in: url, with: name)
        let migrations = try MigrationLoader.load(directory: migrationsDirectory)
        _ = try Migrator(connection: try PGConnection(conninfo: conninfo), migrations: migrations).up()
        return conninfo
    }

    /// Points a conninfo (key=value or URI) at another database.
    public static func replacingDatabase(in conninfo: String, with database: String) -> String {
        if let schemeEnd = conninfo.firstRange(of: "://")?.upperBound {
            // postgresql://user@host:port/db?params
            let rest = conninfo[schemeEnd...]
            let queryStart = rest.firstIndex(of: "?") ?? rest.endIndex
            let authority = rest[..<queryStart].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)[0]
            return String(conninfo[..<schemeEnd]) + authority + "/" + database + rest[queryStart...]
        }
        let kept = conninfo.split(separator: " ").filter { !$0.hasPrefix("dbname=") }
        return (kept + ["dbname=\(database)"]).joined(separator: " ")
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}

/// Thrown by integration tests in CI when no database is configured.
public struct MissingTestDatabase: Error, CustomStringConvertible {
    public var description: String {
        "PG_TEST_URL is not set but CI=true: integration tests need a real PostgreSQL (libpq conninfo or URI in PG_TEST_URL); run them through scripts/test"
    }
}

/// A test's set-up did not go as planned (say what happened in the description).
public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) {
        self.description = description
    }
}
