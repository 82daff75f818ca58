import Dispatch
@testable import Jobs
import Postgres
import Testing
import TestSupport

/// The fold of the row counts' shards against a real PostgreSQL: counts stay exact, alone and
/// while other sessions write.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs PG_TEST_URL (scripts/test sets it)"))
struct CounterShardsTests {
    let conninfo: String
    let connection: PGConnection
    let owner: Int

    init() throws {
        conninfo = try TestDatabase.makeMigratedDatabase()
        connection = try PGConnection(conninfo: conninfo)
        owner = try connection.query(
            "INSERT INTO users (username, email, hashed_password) VALUES ('shards', 'shards@example.com', 'x') RETURNING id"
        )[0].decode(0)
    }

    /// Buckets (the total's included) whose counter rows do not add up to the rows of `items`.
    func miscountedBuckets() throws -> Int {
        try connection.query(
            """
            SELECT count(*) FROM (
                SELECT bucket, sum(n) AS n FROM row_counts WHERE relname = 'items' GROUP BY bucket
            ) counted FULL JOIN (
                SELECT -2147483648 AS bucket, count(*) AS n FROM items
                UNION ALL SELECT id >> 10, count(*) FROM items GROUP BY id >> 10
            ) actual USING (bucket)
            WHERE coalesce(counted.n, 0) <> coalesce(actual.n, 0)
            """
        )[0].decode(0)
    }

    func shards() throws -> Int {
        try connection.query("SELECT count(DISTINCT shard) FROM row_counts WHERE relname = 'items'")[0].decode(0)
    }

    /// Inserts `count` items through `session`, one statement each (as the API writes them).
    func insertItems(_ count: Int, on session: PGConnection) throws {
        for index in 0..<count {
            try session.query(
                "INSERT INTO items (title, owner_id) VALUES (\("item \(index)"), \(owner))")
        }
    }

    @Test func foldingLeavesOneShardAndTheSameCounts() throws {
        // Sessions until two of them write to different shards (a backend's pid % 64).
        var sessions: [PGConnection] = []
        while try shards() < 2 && sessions.count < 64 {
            let session = try PGConnection(conninfo: conninfo)
            sessions.append(session)
            try insertItems(700, on: session)
        }
        try #require(try shards() >= 2)
        try connection.query("DELETE FROM items WHERE id % 3 = 0")
        #expect(try miscountedBuckets() == 0)

        let folded = try CounterShards(connection: connection).fold()
        #expect(folded > 0)
        #expect(try connection.query("SELECT count(*) FROM row_counts WHERE shard <> 0")[0].decode(0, as: Int.self) == 0)
        #expect(try miscountedBuckets() == 0)
        #expect(try CounterShards(connection: connection).fold() == 0)
    }

    @Test func aFoldInBatchesGetsThereToo() throws {
        for _ in 0..<3 { try insertItems(1500, on: try PGConnection(conninfo: conninfo)) }
        let shardRows: Int = try connection.query("SELECT count(*) FROM row_counts WHERE shard <> 0")[0].decode(0)
        var passes = 0
        while try CounterShards(connection: connection, batchLimit: 2).fold() > 0 { passes += 1 }
        #expect(passes >= shardRows / 2)
        #expect(try miscountedBuckets() == 0)
    }

    @Test func countsStayExactWhileSessionsWriteDuringFolds() throws {
        let conninfo = conninfo
        let owner = owner
        let failures = Failures()
        // Session 0 folds again and again; sessions 1…4 insert and delete items meanwhile.
        DispatchQueue.concurrentPerform(iterations: 5) { index in
            do {
                let session = try PGConnection(conninfo: conninfo)
                if index == 0 {
                    for _ in 0..<40 { try CounterShards(connection: session).fold() }
                } else {
                    // Each session deletes only its own rows: the writers never wait for each other.
                    let title = "race \(index)"
                    for round in 0..<150 {
                        try session.query(
                            "INSERT INTO items (title, owner_id) SELECT \(title), \(owner) FROM generate_series(1, 3)")
                        if round % 4 == 0 {
                            try session.query(
                                "DELETE FROM items WHERE id IN (SELECT id FROM items WHERE title = \(title) ORDER BY id LIMIT 2)")
                        }
                    }
                }
            } catch {
                failures.record("session \(index): \(error)")
            }
        }
        #expect(failures.all.isEmpty, "\(failures.all)")
        #expect(try miscountedBuckets() == 0)
        try CounterShards(connection: connection).fold()
        #expect(try miscountedBuckets() == 0)
    }
}

/// Errors of the sessions of a concurrent test, collected from their threads.
final class Failures: @unchecked Sendable {
    private let lock = DispatchSemaphore(value: 1)
    private var messages: [String] = []

    func record(_ message: String) {
        lock.wait()
        messages.append(message)
        lock.signal()
    }

    var all: [String] {
        lock.wait()
        defer { lock.signal() }
        return messages
    }
}
