import AppCore
import Handlers
import JSON
import Logging
import Postgres
import Testing
import TestSupport

/// The read side of items and the health checks, through the real router, against PostgreSQL.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs PG_TEST_URL (scripts/test sets it)"))
struct ItemsReadTests {
    let conninfo: String
    let application: Application<AppContext>
    let context: AppContext
    /// A word only this test instance's items contain, so parallel tests do not see each other.
    let tag = "tag\(UInt32.random(in: 0...UInt32.max))"

    init() throws {
        conninfo = try TestDatabase.migrated()
        let settings = SettingsReader(environment: ["SECRET_KEY": "test", "DATABASE_URL": conninfo])
        let configuration = try AppConfiguration(settings)
        let logger = Logger(label: "test")
        context = AppContext(
            configuration: configuration, database: Database(conninfo: configuration.databaseURL), logger: logger)
        application = Application(router: Routes.makeRouter(), logger: logger, mapError: ErrorMapping.map)
    }

    /// Inserts an owner and `count` items titled "<tag> n"; returns their ids, oldest first.
    func insertItems(_ count: Int, description: String? = nil) throws -> [Int] {
        let connection = try PGConnection(conninfo: conninfo)
        let name = "u\(UInt32.random(in: 0...UInt32.max))"
        let owner = try connection.query(
            """
            INSERT INTO users (username, email, hashed_password) VALUES (\(name), \(name + "@example.com"), 'x') RETURNING id
            """)[0].decode(0, as: Int.self)
        var ids: [Int] = []
        for index in 0..<count {
            let row = try connection.query(
                """
                INSERT INTO items (title, description, price, owner_id, created_at)
                VALUES (\("\(tag) \(index)"), \(description), \(index * 100), \(owner), now() + make_interval(secs => \(index)))
                RETURNING id
                """)[0]
            ids.append(try row.decode(0, as: Int.self))
        }
        return ids
    }

    func get(_ target: String) throws -> (status: Int, body: JSONValue) {
        let parts = target.split(separator: "?", maxSplits: 1)
        let request = Request(
            method: "GET", path: String(parts[0]),
            query: QueryParameters(parsing: parts.count > 1 ? parts[1] : ""), id: "test-request")
        let response = application.respond(to: request, context: context)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(response.headers["X-Request-ID"] == "test-request")
        #expect(response.headers["X-Process-Time"]?.hasSuffix("ms") == true)
        return (response.status.code, try JSONParser.parse(response.body))
    }

    @Test func healthAndReadiness() throws {
        #expect(try get("/health") == (200, ["status": "ok", "version": "1.0.0"]))
        #expect(try get("/health/ready").status == 200)
    }

    @Test func oneItemWithEveryField() throws {
        let id = try insertItems(1, description: "説明")[0]
        let (status, body) = try get("/api/v1/items/\(id)")
        #expect(status == 200)
        let item = try #require(body.objectValue)
        #expect(item.keys == ["id", "title", "description", "price", "owner_id", "created_at"])
        #expect(item["id"] == .int(Int64(id)))
        #expect(item["title"] == .string("\(tag) 0"))
        #expect(item["description"] == "説明")
        #expect(item["price"] == 0)
        let created = try #require(item["created_at"]?.stringValue)
        #expect(created.count == "2026-11-29T05:00:00.123456+00:00".count)
        #expect(created.hasSuffix("+00:00") && created.contains("T"))
    }

    @Test func missingItemIs404WithTheSeedsMessage() throws {
        #expect(try get("/api/v1/items/999999") == (404, ["detail": "Item 999999 not found"]))
    }

    @Test func pagesAreNewestFirstWithTotal() throws {
        let ids = try insertItems(5)
        let (status, body) = try get("/api/v1/items/?page=2&per_page=2&search=\(tag)")
        #expect(status == 200)
        let page = try #require(body.objectValue)
        #expect(page["total"] == 5)
        #expect(page["page"] == 2)
        #expect(page["per_page"] == 2)
        let returned = page["items"]?.arrayValue?.compactMap { $0.objectValue?["id"]?.intValue }
        #expect(returned == [Int64(ids[2]), Int64(ids[1])])
        // Past the end: no items, the total still right.
        let empty = try get("/api/v1/items/?page=9&per_page=2&search=\(tag)").body.objectValue
        #expect(empty?["items"] == [])
        #expect(empty?["total"] == 5)
    }

    @Test func searchTreatsWildcardsAndQuotesAsText() throws {
        _ = try insertItems(2, description: "100% 'quoted'_x")
        let literal = try get("/api/v1/items/?search=\(tag)").body.objectValue?["total"]
        #expect(literal == 2)
        let percent = try get("/api/v1/items/?search=%25+%27quoted%27_x").body.objectValue?["total"]?.intValue ?? 0
        #expect(percent >= 2)
        let injection = try get("/api/v1/items/?search=%27%3B+DROP+TABLE+items%3B--")
        #expect(injection.status == 200)
        #expect(injection.body.objectValue?["total"] == 0)
        #expect(try get("/api/v1/items/?search=zz%25zz").body.objectValue?["total"] == 0)
    }

    @Test func invalidParametersAre422InTheContractFormat() throws {
        let (status, body) = try get("/api/v1/items/?page=0&per_page=101")
        #expect(status == 422)
        let errors = body.objectValue?["errors"]?.arrayValue?.compactMap(\.objectValue)
        #expect(errors?.map { $0["field"] } == ["query -> page", "query -> per_page"])
        #expect(errors?.map { $0["type"] } == ["greater_than_equal", "less_than_equal"])
        #expect(try get("/api/v1/items/0").status == 422)
        #expect(try get("/api/v1/items/2147483648").status == 422)
    }

    @Test func unreachableDatabaseIs503() throws {
        let settings = SettingsReader(environment: ["SECRET_KEY": "t", "DATABASE_URL": "host=/nonexistent port=1 dbname=x"])
        let broken = AppContext(
            configuration: try AppConfiguration(settings),
            database: Database(conninfo: "host=/nonexistent port=1 dbname=x connect_timeout=1"), logger: Logger(label: "t"))
        let response = application.respond(to: Request(method: "GET", path: "/health/ready", id: "r-1"), context: broken)
        #expect(response.status.code == 503)
        #expect(try JSONParser.parse(response.body).objectValue?["detail"] == "データベースに接続できません")
    }

    @Test func aConnectionClosedByTheServerIsReplacedBeforeTheNextRequest() throws {
        #expect(try get("/health/ready").status == 200)
        let backend = try context.database.withConnection { connection in
            try connection.query("SELECT pg_backend_pid()")[0].decode(0, as: Int.self)
        }
        let admin = try PGConnection(conninfo: conninfo)
        _ = try admin.query("SELECT pg_terminate_backend(\(backend)::int)")
        // Give the server a moment to close the socket, as a restart would.
        var waited = 0
        while waited < 50, try admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = \(backend)::int").count > 0 {
            waited += 1
            _ = try admin.query("SELECT pg_sleep(0.02)")
        }
        #expect(try get("/health/ready").status == 200)
        let newBackend = try context.database.withConnection { connection in
            try connection.query("SELECT pg_backend_pid()")[0].decode(0, as: Int.self)
        }
        #expect(newBackend != backend)
    }
}
