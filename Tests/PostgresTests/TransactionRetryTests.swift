import Dispatch
import Postgres
import Synchronization
import Testing
import TestSupport

/// A transaction that PostgreSQL rolls back to resolve a conflict (deadlock, serialization
/// failure) is run again, a bounded number of times.
@Suite(.enabled(if: TestDatabase.isEnabled, "set PG_TEST_URL to run against PostgreSQL"))
struct TransactionRetryTests {
    @Test func aRealDeadlockIsResolvedByRunningTheVictimAgain() throws {
        let setup = try TestDatabase.connect()
        let table = "deadlock_\(UInt32.random(in: 0...UInt32.max))"
        try setup.execute(
            unsafeSQL: "CREATE TABLE \(table) (id int PRIMARY KEY, n int); INSERT INTO \(table) VALUES (1, 0), (2, 0)")
        defer { _ = try? setup.execute(unsafeSQL: "DROP TABLE \(table)") }

        let runs = Mutex(0)
        let failures = Mutex<[String]>([])
        let firstLocks = (DispatchSemaphore(value: 0), DispatchSemaphore(value: 0))
        let group = DispatchGroup()
        // Two sessions lock the rows in opposite orders; on the first attempt each waits until
        // the other holds its first row, so PostgreSQL must pick a victim.
        for (first, second, mine, theirs) in [(1, 2, firstLocks.0, firstLocks.1), (2, 1, firstLocks.1, firstLocks.0)] {
            DispatchQueue.global().async(group: group) {
                do {
                    let connection = try TestDatabase.connect()
                    var attempt = 0
                    try connection.transaction { connection in
                        attempt += 1
                        runs.withLock { $0 += 1 }
                        try connection.execute(unsafeSQL: "UPDATE \(table) SET n = n + 1 WHERE id = \(first)")
                        if attempt == 1 {
                            mine.signal()
                            theirs.wait()
                        }
                        try connection.execute(unsafeSQL: "UPDATE \(table) SET n = n + 1 WHERE id = \(second)")
                    }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        group.wait()
        #expect(failures.withLock { $0 } == [])
        #expect(runs.withLock { $0 } == 3)  // both sessions once, the victim once more
        let counts = try setup.query("SELECT n FROM \(unescaped: table) ORDER BY id").map { try $0.decode(0, as: Int.self) }
        #expect(counts == [2, 2])
    }

    @Test func aConflictThatPersistsIsThrownAfterTheLastAttempt() throws {
        let connection = try TestDatabase.connect()
        var attempts = 0
        do {
            try connection.transaction { connection in
                attempts += 1
                try connection.execute(unsafeSQL: "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40001'; END $$")
            }
            Issue.record("expected a serialization failure")
        } catch let error as PGError {
            #expect(error.isTransientConflict)
        }
        #expect(attempts == PGConnection.transactionAttempts)
        // Other errors are not retried, and nested transactions (savepoints) leave it to the outermost.
        var plain = 0
        #expect(throws: PGError.self) {
            try connection.transaction { connection in
                plain += 1
                try connection.execute(unsafeSQL: "SELECT 1/0")
            }
        }
        #expect(plain == 1)
        var inner = 0
        #expect(throws: PGError.self) {
            try connection.transaction { connection in
                try connection.transaction { connection in
                    inner += 1
                    try connection.execute(unsafeSQL: "DO $$ BEGIN RAISE EXCEPTION 'conflict' USING ERRCODE = '40P01'; END $$")
                }
            }
        }
        #expect(inner == PGConnection.transactionAttempts)
    }
}
