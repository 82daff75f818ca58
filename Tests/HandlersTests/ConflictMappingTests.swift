import AppCore
import Handlers
import Postgres
import Testing
import TestSupport

/// A conflict that retrying did not resolve is a 503 with `Retry-After`, never a 500.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs PG_TEST_URL (scripts/test sets it)"))
struct ConflictMappingTests {
    @Test(arguments: ["40001", "40P01"])
    func persistentConflictsAre503(sqlState: String) throws {
        let connection = try TestDatabase.connect()
        do {
            try connection.transaction { connection in
                try connection.execute(unsafeSQL: "DO $$ BEGIN RAISE EXCEPTION 'x' USING ERRCODE = '\(sqlState)'; END $$")
            }
            Issue.record("expected an error")
        } catch {
            let answer = try #require(ErrorMapping.map(error))
            #expect(answer.status.code == 503)
            #expect(answer.headers["Retry-After"] == "1")
            #expect(answer.message == .concurrentConflict)
        }
    }
}
