import AppCore
import Handlers
import Postgres
import Testing
import TestSupport

/// A cancelled statement (SQLSTATE 57014) answers 504 with the seed's message, through the real
/// router against PostgreSQL; the session then serves the next request.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs PG_TEST_URL (scripts/test sets it)"))
struct TimeoutMappingTests {
    /// Sessions the client's database opened (to show that a timeout does not cost one).
    final class SessionLog {
        var opened = 0
    }

    /// A client whose sessions cancel any statement after 300 ms (the server-side twin of the
    /// worker's request timer: both end in 57014).
    static func clientWithStatementTimeout() throws -> (TestClient, SessionLog) {
        let client = try TestClient()
        let log = SessionLog()
        client.context.database.sessionDidChange = { session in
            guard let session else { return }
            log.opened += 1
            _ = try? session.execute(unsafeSQL: "SET statement_timeout = '300ms'")
        }
        return (client, log)
    }

    @Test func blockedUpdateIsAnswered504ThenTheNextRequestSucceeds() throws {
        let (client, log) = try Self.clientWithStatementTimeout()
        let owner = try client.account()
        let created = try client.send(
            "POST", "/api/v1/items/", json: ["title": .string("timeout probe")], token: owner.accessToken)
        #expect(created.status == 201)
        let id = try #require(created.object?["id"]?.intValue)

        // Another session holds the item's row lock: the PATCH waits for it (SELECT … FOR UPDATE).
        let locker = try PGConnection(conninfo: client.conninfo)
        try locker.execute(unsafeSQL: "BEGIN")
        try locker.query("SELECT id FROM items WHERE id = \(Int(id)) FOR UPDATE")

        let japanese = try client.send(
            "PATCH", "/api/v1/items/\(id)", json: ["title": .string("changed")], token: owner.accessToken)
        #expect(japanese.status == 504)
        #expect(japanese.detail == "処理がタイムアウトしました")
        #expect(japanese.headers["Content-Type"] == "application/json")
        #expect(japanese.headers["X-Request-ID"] != nil)

        let english = try client.send(
            "PATCH", "/api/v1/items/\(id)", json: ["title": .string("changed")], token: owner.accessToken,
            headers: [("Accept-Language", "en")])
        #expect(english.status == 504)
        #expect(english.detail == "Request timed out")

        try locker.execute(unsafeSQL: "ROLLBACK")
        let after = try client.send("PATCH", "/api/v1/items/\(id)", json: ["title": .string("changed")], token: owner.accessToken)
        #expect(after.status == 200)
        #expect(after.object?["title"]?.stringValue == "changed")
        #expect(log.opened == 1, "the timeouts kept the session")
    }

    @Test func refusedQueryMapsTo504WithTheConfiguredLimit() throws {
        let database = Database(conninfo: try TestDatabase.migrated())
        var refusing = false
        database.refusesQueries = { refusing }
        #expect(try database.withConnection { try $0.query("SELECT 1")[0].decode(0, as: Int.self) } == 1)

        refusing = true
        let error = #expect(throws: PGError.self) {
            try database.withConnection { try $0.query("SELECT 1") }
        }
        #expect(error?.isQueryCanceled == true)
        let mapped = try #require(error.flatMap(ErrorMapping.mapper(requestTimeoutSeconds: 30)))
        #expect(mapped.status == .gatewayTimeout)
        #expect(mapped.message.text(in: .japanese) == "処理がタイムアウトしました（30秒）")
        #expect(mapped.message.text(in: .english) == "Request timed out (30 s)")
        // Transaction control is never refused: a rollback still reaches the server.
        try database.withConnection { try $0.execute(unsafeSQL: "ROLLBACK") }

        refusing = false
        #expect(try database.withConnection { try $0.query("SELECT 2")[0].decode(0, as: Int.self) } == 2)
    }

    @Test func recoveryRollsBackWhatARequestLeftOpen() throws {
        let database = Database(conninfo: try TestDatabase.migrated())
        try database.withConnection { try $0.execute(unsafeSQL: "BEGIN") }
        #expect(try database.withConnection { $0.hasOpenTransaction })
        database.recoverAfterInterruption()
        #expect(try database.withConnection { $0.hasOpenTransaction } == false)
    }
}
