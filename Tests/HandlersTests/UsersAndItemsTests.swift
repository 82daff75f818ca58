import AppCore
import Handlers
import JSON
import Postgres
import Testing
import TestSupport

/// Users (profile update, list, admin delete) and the write side of items, through the router.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs PG_TEST_URL (scripts/test sets it)"))
struct UsersAndItemsTests {
    let client: TestClient

    init() throws {
        client = try TestClient()
    }

    // Users.

    @Test func updateProfile() throws {
        let account = try client.account()
        let answer = try client.send("PATCH", "/api/v1/users/me", json: ["full_name": "Test User"], token: account.accessToken)
        #expect(answer.status == 200)
        #expect(answer.object?["full_name"] == "Test User")
        #expect(answer.object?["display_name"] == "Test User")
        let age = try client.send("PATCH", "/api/v1/users/me", json: ["age": 30], token: account.accessToken)
        #expect(age.object?["age"] == 30)
        #expect(age.object?["full_name"] == "Test User")  // untouched when absent
        let cleared = try client.send("PATCH", "/api/v1/users/me", json: ["full_name": nil], token: account.accessToken)
        #expect(cleared.object?["full_name"] == .null)
    }

    @Test func unknownProfileFieldsAreExtraForbidden() throws {
        let account = try client.account()
        let answer = try client.send("PATCH", "/api/v1/users/me", json: ["is_admin": true], token: account.accessToken)
        #expect(answer.status == 422)
        #expect(answer.object?["errors"]?.arrayValue?.first?.objectValue?["type"] == "extra_forbidden")
        #expect(answer.object?["errors"]?.arrayValue?.first?.objectValue?["field"] == "body -> is_admin")
    }

    @Test func paginationOfUsers() throws {
        let account = try client.account()
        let answer = try client.send("GET", "/api/v1/users/?page=1&per_page=10", token: account.accessToken)
        #expect(answer.status == 200)
        let page = try #require(answer.object)
        #expect(page["per_page"] == 10)
        #expect(page.keys == ["users", "total", "page", "per_page", "has_next", "total_pages"])
        let total = try #require(page["total"]?.intValue)
        #expect(page["total_pages"] == .int((total + 9) / 10))
        #expect(page["has_next"] == .bool(total > 10))
        let mine = try client.send("GET", "/api/v1/users/?search=\(account.username)", token: account.accessToken)
        #expect(mine.object?["total"] == 1)
        #expect(try client.send("GET", "/api/v1/users/").status == 401)
    }

    @Test func onlyAdminsDeleteUsersAndItemsGoWithThem() throws {
        let admin = try client.account(admin: true)
        let victim = try client.account()
        let item = try client.send("POST", "/api/v1/items/", json: ["title": "doomed"], token: victim.accessToken)
        let itemID = try #require(item.object?["id"]?.intValue)

        let forbidden = try client.send("DELETE", "/api/v1/users/\(admin.id)", token: victim.accessToken)
        #expect(forbidden.status == 403)
        #expect(forbidden.detail == "管理者権限が必要です")

        #expect(try client.send("DELETE", "/api/v1/users/\(victim.id)", token: admin.accessToken).status == 204)
        #expect(try client.send("GET", "/api/v1/items/\(itemID)").status == 404)
        #expect(try client.send("DELETE", "/api/v1/users/\(victim.id)", token: admin.accessToken).status == 404)
        #expect(try client.send("GET", "/api/v1/users/profile", token: victim.accessToken).status == 401)
    }

    @Test func permissionCheckerNeedsEveryNamedPermission() throws {
        let account = try client.account()
        let connection = try PGConnection(conninfo: client.conninfo)
        let user = try Authenticator.activeUser(
            Request(method: "GET", path: "/", headers: ["authorization": "Bearer \(account.accessToken)"]),
            context: client.context, connection: connection)
        let checker = PermissionChecker(["articles:write", "articles:delete"])
        #expect(throws: HTTPError.self) { try checker.check(user, connection: connection) }
        try AccountAdministration.grant(["articles:write"], toEmail: account.email, connection: connection)
        do {
            try checker.check(user, connection: connection)
            Issue.record("expected 403")
        } catch let error as HTTPError {
            #expect(error.status.code == 403)
            #expect(error.message.japanese == "権限が不足しています: articles:delete")
        }
        try AccountAdministration.grant(["articles:delete"], toEmail: account.email, connection: connection)
        try checker.check(user, connection: connection)
    }

    // Items.

    @Test func createItem() throws {
        let account = try client.account()
        let answer = try client.send(
            "POST", "/api/v1/items/", json: ["title": "テストアイテム", "price": 1000],
            token: account.accessToken)
        #expect(answer.status == 201)
        #expect(answer.object?["title"] == "テストアイテム")
        #expect(answer.object?["price"] == 1000)
        #expect(answer.object?["owner_id"] == .int(Int64(account.id)))
        #expect(answer.object?["description"] == .null)
        #expect(try client.send("POST", "/api/v1/items/", json: ["title": "x"]).status == 401)
    }

    @Test func itemValidation() throws {
        let account = try client.account()
        let answer = try client.send(
            "POST", "/api/v1/items/", json: ["title": "", "price": 2_147_483_648],
            token: account.accessToken)
        #expect(answer.status == 422)
        #expect(
            answer.object?["errors"]?.arrayValue?.compactMap { $0.objectValue?["type"]?.stringValue }
                == ["string_too_short", "less_than_equal"])
        let id = try #require(
            try client.send("POST", "/api/v1/items/", json: ["title": "t"], token: account.accessToken)
                .object?["id"]?.intValue)
        for bad: JSONValue in [["title": nil], ["price": nil], ["owner_id": 1]] {
            #expect(try client.send("PATCH", "/api/v1/items/\(id)", json: bad, token: account.accessToken).status == 422)
        }
    }

    @Test func onlyOwnerOrAdminChangesAnItem() throws {
        let owner = try client.account()
        let stranger = try client.account()
        let admin = try client.account(admin: true)
        let id = try #require(
            try client.send(
                "POST", "/api/v1/items/", json: ["title": "mine", "description": "d"],
                token: owner.accessToken
            ).object?["id"]?.intValue)
        #expect(try client.send("PATCH", "/api/v1/items/\(id)", json: ["price": 5], token: stranger.accessToken).status == 403)
        #expect(try client.send("DELETE", "/api/v1/items/\(id)", token: stranger.accessToken).status == 403)
        let updated = try client.send("PATCH", "/api/v1/items/\(id)", json: ["price": 5], token: owner.accessToken)
        #expect(updated.status == 200)
        #expect(updated.object?["price"] == 5)
        #expect(updated.object?["description"] == "d")
        #expect(
            try client.send("PATCH", "/api/v1/items/\(id)", json: ["title": "admin's"], token: admin.accessToken).status == 200)
        #expect(try client.send("DELETE", "/api/v1/items/\(id)", token: admin.accessToken).status == 204)
        let gone = try client.send("PATCH", "/api/v1/items/\(id)", json: ["price": 1], token: owner.accessToken)
        #expect(gone.status == 404)
        #expect(gone.detail == "Item \(id) not found")
    }

    @Test func entityTagsMakeReadsConditionalAndWritesSafe() throws {
        let owner = try client.account()
        let id = try #require(
            try client.send("POST", "/api/v1/items/", json: ["title": "tagged"], token: owner.accessToken)
                .object?["id"]?.intValue)
        let read = try client.send("GET", "/api/v1/items/\(id)")
        let etag = try #require(read.headers["ETag"])
        #expect(etag.hasPrefix("\"") && etag.count == 34)
        let notModified = try client.send("GET", "/api/v1/items/\(id)", headers: [("If-None-Match", etag)])
        #expect(notModified.status == 304)
        #expect(notModified.bodyLength == 0)
        #expect(try client.send("GET", "/api/v1/items/\(id)", headers: [("If-None-Match", "\"other\"")]).status == 200)

        let changed = try client.send(
            "PATCH", "/api/v1/items/\(id)", json: ["price": 7], token: owner.accessToken,
            headers: [("If-Match", etag)])
        #expect(changed.status == 200)
        // The old tag is stale now.
        let stale = try client.send(
            "PATCH", "/api/v1/items/\(id)", json: ["price": 8], token: owner.accessToken,
            headers: [("If-Match", etag)])
        #expect(stale.status == 412)
        #expect(
            try client.send("DELETE", "/api/v1/items/\(id)", token: owner.accessToken, headers: [("If-Match", etag)]).status
                == 412)
        let fresh = try #require(changed.headers["ETag"])
        #expect(
            try client.send("DELETE", "/api/v1/items/\(id)", token: owner.accessToken, headers: [("If-Match", fresh)]).status
                == 204)
    }

    @Test func idempotentCreateCreatesOneItem() throws {
        let account = try client.account()
        let key = [("Idempotency-Key", TestClient.uniqueName("key"))]
        let first = try client.send("POST", "/api/v1/items/", json: ["title": "once"], token: account.accessToken, headers: key)
        let second = try client.send("POST", "/api/v1/items/", json: ["title": "once"], token: account.accessToken, headers: key)
        #expect(first.status == 201 && second.status == 201)
        #expect(first.object?["id"] == second.object?["id"])
        let count = try client.sql("SELECT count(*) FROM items WHERE owner_id = \(account.id)")[0].decode(0, as: Int.self)
        #expect(count == 1)
        // Another caller's key space is separate.
        let other = try client.account()
        let theirs = try client.send("POST", "/api/v1/items/", json: ["title": "once"], token: other.accessToken, headers: key)
        #expect(theirs.object?["owner_id"] == .int(Int64(other.id)))
    }

    @Test func concurrentDuplicatesOnTwoConnectionsCreateOneItem() async throws {
        let account = try client.account()
        let key = TestClient.uniqueName("race")
        let token = account.accessToken
        // Two clients = two connections, as two workers would have.
        let answers = try await withThrowingTaskGroup(of: Int64?.self) { group in
            for _ in 0..<2 {
                group.addTask {
                    let own = try TestClient()
                    return try own.send(
                        "POST", "/api/v1/items/", json: ["title": "raced"], token: token,
                        headers: [("Idempotency-Key", key)]
                    ).object?["id"]?.intValue
                }
            }
            return try await group.reduce(into: [Int64?]()) { $0.append($1) }
        }
        #expect(answers.count == 2 && answers[0] != nil && answers[0] == answers[1])
        let count = try client.sql("SELECT count(*) FROM items WHERE owner_id = \(account.id)")[0].decode(0, as: Int.self)
        #expect(count == 1)
    }
}
