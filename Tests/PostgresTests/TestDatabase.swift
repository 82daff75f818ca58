import Glibc
import Postgres
import Testing

/// Access to the PostgreSQL named by `PG_TEST_URL` for integration tests.
///
/// Integration suites are enabled when `PG_TEST_URL` is set, or when `CI` is
/// `true`, in which case a missing URL fails every integration test instead of
/// skipping it.
enum TestDatabase {
    /// The conninfo or URI from `PG_TEST_URL`.
    static let url: String? = environment("PG_TEST_URL")

    /// True when the integration suites should run (a database is configured, or we are in CI).
    static let isEnabled = url != nil || environment("CI") == "true"

    /// The repository's `migrations/` folder, found from this file's path.
    static let migrationsDirectory: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Tests/PostgresTests/TestDatabase.swift
        return parts.joined(separator: "/") + "/migrations"
    }()

    /// A new connection to the test database; throws a clear error when `PG_TEST_URL` is unset.
    static func connect() throws -> PGConnection {
        guard let url else { throw MissingTestDatabase() }
        return try PGConnection(conninfo: url)
    }

    /// A fresh schema name, unique per call, so parallel tests do not collide.
    static func makeSchemaName() -> String {
        "pgtest_\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
    }

    /// Runs `body` with a connection whose `search_path` is a new schema, dropped afterwards.
    @discardableResult
    static func withSchema<T>(_ body: (PGConnection, _ schema: String) throws -> T) throws -> T {
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
    static func connect(schema: String) throws -> PGConnection {
        let connection = try connect()
        try connection.execute(unsafeSQL: "set search_path to \(schema)")
        return connection
    }

    private static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }
}

/// Thrown by integration tests in CI when no database is configured.
struct MissingTestDatabase: Error, CustomStringConvertible {
    var description: String {
        "PG_TEST_URL is not set but CI=true: integration tests need a real PostgreSQL (libpq conninfo or URI in PG_TEST_URL)"
    }
}
