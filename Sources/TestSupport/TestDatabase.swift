import Glibc
import Postgres

/// A migrated database for integration tests, created fresh in the PostgreSQL that
/// `PG_TEST_URL` points to (`scripts/test` starts a throwaway cluster and sets it).
///
/// Without `PG_TEST_URL` the tests that need it are skipped locally, and fail under CI
/// (`CI=true`), where a missing database is a broken set-up, not a reason to pass.
public enum TestDatabase {
    /// The server's conninfo from the environment, or nil.
    public static var serverURL: String? {
        guard let value = getenv("PG_TEST_URL") else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    /// Whether database tests should run: always under CI, else when a server is configured.
    public static var isAvailable: Bool {
        serverURL != nil || isCI
    }

    static var isCI: Bool {
        getenv("CI").map { String(cString: $0) == "true" } ?? false
    }

    /// A conninfo for a database created once per test process, with every migration applied.
    /// Tests share it; each test uses its own rows (unique names) so they can run in parallel.
    public static func migrated() throws -> String {
        try shared.get()
    }

    private static let shared: Result<String, any Error> = Result { try create() }

    static func create() throws -> String {
        guard let server = serverURL else {
            throw TestSetupError(description: "PG_TEST_URL is not set: run the tests through scripts/test")
        }
        let name = "test_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        let admin = try PGConnection(conninfo: server)
        try admin.execute(unsafeSQL: "CREATE DATABASE \(name)")
        let conninfo = replacingDatabase(in: server, with: name)
        let connection = try PGConnection(conninfo: conninfo)
        let migrations = try MigrationLoader.load(directory: repositoryRoot() + "/migrations")
        _ = try Migrator(connection: connection, migrations: migrations).up()
        return conninfo
    }

    /// Points a conninfo (key=value or URI) at another database.
    public static func replacingDatabase(in conninfo: String, with database: String) -> String {
        if conninfo.hasPrefix("postgres://") || conninfo.hasPrefix("postgresql://") {
            // postgresql://user@host:port/db?params
            let schemeEnd = conninfo.firstRange(of: "://")!.upperBound
            let rest = conninfo[schemeEnd...]
            let queryStart = rest.firstIndex(of: "?") ?? rest.endIndex
            let authority = rest[..<queryStart].split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)[0]
            return String(conninfo[..<schemeEnd]) + authority + "/" + database + rest[queryStart...]
        }
        let kept = conninfo.split(separator: " ").filter { !$0.hasPrefix("dbname=") }
        return (kept + ["dbname=\(database)"]).joined(separator: " ")
    }

    /// The checkout's root, found from this source file's path.
    public static func repositoryRoot(file: String = #filePath) -> String {
        var parts = file.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)  // Sources/TestSupport/TestDatabase.swift
        return parts.joined(separator: "/")
    }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public let description: String
}
