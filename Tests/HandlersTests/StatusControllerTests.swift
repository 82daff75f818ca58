import AppCore
import Handlers
import JSON
import Logging
import Postgres
import Testing

/// `GET /status`: served to clients on this host only, php-fpm's fields, `?full` for the list.
struct StatusControllerTests {
    /// A pool's status as a scoreboard would report it (the scoreboard itself is tested in
    /// FCGIServerTests and through the stack).
    final class FixedStatus: PoolStatusSource {
        func poolStatus() -> PoolStatus {
            PoolStatus(
                pool: "www", startTime: 1, acceptedConnections: 9, activeProcesses: 1, maxActiveProcesses: 1,
                slowRequests: 0, workerExits: 0,
                processes: [.init(pid: 42, busy: true, requests: 8, startTime: 1, requestDurationMicroseconds: 10)])
        }
    }

    static func respond(
        _ target: String, from address: String, withPool: Bool = true,
        forwardedFor: String? = nil
    ) throws -> Response {
        let configuration = try AppConfiguration(
            SettingsReader(environment: ["SECRET_KEY": "k", "DATABASE_URL": "host=/nonexistent"]))
        let logger = Logger(label: "test")
        // The page never touches the database; the connection is never opened.
        let context = AppContext(
            configuration: configuration, database: Database(conninfo: configuration.databaseURL),
            logger: logger, poolStatus: withPool ? FixedStatus() : nil)
        // Every proxy trusted: the headers name the client, yet never make a request local.
        let application = Application(
            router: Routes.makeRouter(), logger: logger,
            policies: PolicyChain([], trustedProxies: TrustedProxies(["*"])))
        let parts = target.split(separator: "?", maxSplits: 1)
        var headers = HTTPHeaders()
        if let forwardedFor {
            headers.add("x-forwarded-for", forwardedFor)
            headers.add("x-real-ip", forwardedFor)
        }
        let request = Request(
            method: "GET", path: String(parts[0]),
            query: QueryParameters(parsing: parts.count > 1 ? String(parts[1]) : ""),
            headers: headers, remoteAddress: address)
        return application.respond(to: request, context: context)
    }

    static func object(_ response: Response) throws -> JSONObject {
        try #require(try JSONParser.parse(response.body).objectValue)
    }

    @Test(arguments: ["127.0.0.1", "127.0.0.53", "::1", "::ffff:127.0.0.1"])
    func servedToThisHost(address: String) throws {
        let response = try Self.respond("/status", from: address)
        #expect(response.status.code == 200)
        let page = try Self.object(response)
        #expect(page["accepted conn"]?.intValue == 9)
        #expect(page["total processes"]?.intValue == 1)
        #expect(page["processes"] == nil)
    }

    @Test(arguments: ["10.0.0.5", "192.168.1.2", "2001:db8::1", "::ffff:10.0.0.1", ""])
    func otherClientsGetTheUsual404(address: String) throws {
        let response = try Self.respond("/status", from: address)
        #expect(response.status.code == 404)
        #expect(try Self.object(response)["detail"]?.stringValue == "Not Found")
    }

    @Test func forwardedHeadersNeverMakeARequestLocal() throws {
        let response = try Self.respond("/status", from: "203.0.113.7", forwardedFor: "127.0.0.1")
        #expect(response.status.code == 404)
        // …nor do they hide a local peer.
        #expect(try Self.respond("/status", from: "127.0.0.1", forwardedFor: "203.0.113.7").status.code == 200)
    }

    @Test func fullListsTheProcesses() throws {
        let page = try Self.object(try Self.respond("/status?json&full", from: "127.0.0.1"))
        #expect(page["processes"]?.arrayValue?.first?.objectValue?["pid"]?.intValue == 42)
        #expect(page["processes"]?.arrayValue?.first?.objectValue?["state"]?.stringValue == "Running")
    }

    @Test func outsideAPoolThereIsNoPage() throws {
        #expect(try Self.respond("/status", from: "127.0.0.1", withPool: false).status.code == 404)
    }

    @Test func notInTheOpenAPIDocument() throws {
        let document = try Self.object(try Self.respond("/openapi.json", from: "127.0.0.1"))
        #expect(document["paths"]?.objectValue?["/status"] == nil)
    }
}
