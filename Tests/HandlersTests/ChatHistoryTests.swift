import AppCore
import Handlers
import Postgres
import Testing
import TestSupport

/// `GET /api/v1/rooms/{room_id}/messages`, through the real router, against PostgreSQL.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs PG_TEST_URL (scripts/test sets it)"))
struct ChatHistoryTests {
    let client: TestClient

    init() throws {
        client = try TestClient()
    }

    /// Stores `count` messages of `user` in `room` (as the daemon would); returns their ids.
    func store(_ count: Int, in room: String, by user: Int) throws -> [Int64] {
        try (0..<count).map { index in
            try client.sql(
                """
                INSERT INTO chat_messages (room_id, user_id, content) VALUES (\(room), \(user), \("m\(index)")) RETURNING id
                """)[0].decode(0, as: Int64.self)
        }
    }

    func ids(_ answer: TestClient.Answer) -> [Int64] {
        answer.object?["messages"]?.arrayValue?.compactMap { $0["id"]?.intValue } ?? []
    }

    @Test func pagesForwardAndBackward() throws {
        let account = try client.account()
        let room = TestClient.uniqueName("room")
        let stored = try store(7, in: room, by: account.id)

        let latest = try client.send("GET", "/api/v1/rooms/\(room)/messages?limit=3", token: account.accessToken)
        #expect(latest.status == 200)
        #expect(ids(latest) == Array(stored[4...]))
        #expect(latest.object?["has_more"] == true)
        #expect(latest.object?["room_id"] == .string(room))
        let first = try #require(latest.object?["messages"]?[0]?.objectValue)
        #expect(first.keys == ["type", "id", "user_id", "content", "timestamp"])
        #expect(first["type"] == "message")
        #expect(first["user_id"] == .string(String(account.id)))
        #expect(first["content"] == "m4")
        #expect(first["timestamp"]?.doubleValue ?? 0 > 1_700_000_000)

        let older = try client.send(
            "GET", "/api/v1/rooms/\(room)/messages?limit=3&before_id=\(stored[4])", token: account.accessToken)
        #expect(ids(older) == Array(stored[1...3]))
        #expect(older.object?["has_more"] == true)
        let oldest = try client.send(
            "GET", "/api/v1/rooms/\(room)/messages?limit=3&before_id=\(stored[1])", token: account.accessToken)
        #expect(ids(oldest) == [stored[0]])
        #expect(oldest.object?["has_more"] == false)

        let forward = try client.send(
            "GET", "/api/v1/rooms/\(room)/messages?after_id=\(stored[1])&limit=4", token: account.accessToken)
        #expect(ids(forward) == Array(stored[2...5]))
        #expect(forward.object?["has_more"] == true)
        let rest = try client.send("GET", "/api/v1/rooms/\(room)/messages?after_id=\(stored[5])", token: account.accessToken)
        #expect(ids(rest) == [stored[6]])
        #expect(rest.object?["has_more"] == false)
        let range = try client.send(
            "GET", "/api/v1/rooms/\(room)/messages?after_id=0&before_id=\(stored[2])", token: account.accessToken)
        #expect(ids(range) == Array(stored[0...1]))

        let empty = try client.send("GET", "/api/v1/rooms/\(TestClient.uniqueName("empty"))/messages", token: account.accessToken)
        #expect(empty.status == 200)
        #expect(ids(empty).isEmpty)
        #expect(empty.object?["has_more"] == false)
    }

    @Test func needsAnActiveUserAndValidParameters() throws {
        let account = try client.account()
        let unauthenticated = try client.send("GET", "/api/v1/rooms/general/messages")
        #expect(unauthenticated.status == 401)
        #expect(unauthenticated.detail == "Not authenticated")
        #expect(try client.send("GET", "/api/v1/rooms/general/messages", token: "bad").status == 401)

        let invalid = try client.send("GET", "/api/v1/rooms/bad.room/messages?limit=0&after_id=-1", token: account.accessToken)
        #expect(invalid.status == 422)
        let fields = invalid.object?["errors"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []
        #expect(Set(fields) == ["path -> room_id", "query -> limit", "query -> after_id"])
        #expect(try client.send("GET", "/api/v1/rooms/general/messages?limit=101", token: account.accessToken).status == 422)

        try client.sql("UPDATE users SET is_active = false WHERE id = \(account.id)")
        let inactive = try client.send("GET", "/api/v1/rooms/general/messages", token: account.accessToken)
        #expect(inactive.status == 403)
    }
}
