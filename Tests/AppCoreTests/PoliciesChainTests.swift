import Logging
import Testing
@testable import AppCore

/// The policies inside `Application`, built from the configuration as `FCGIApp serve` does:
/// order, and the right headers on every response, whatever produced it.
struct PolicyChainTests {
    struct Boom: Error {}

    final class Clock {
        var now: Duration = .zero
    }

    static func configuration(_ environment: [String: String] = [:]) throws -> AppConfiguration {
        var values = ["SECRET_KEY": "s", "RATE_LIMIT_MAX_REQUESTS": "3", "ALLOWED_HOSTS": "api.example.com,*.example.org"]
        values.merge(environment) { $1 }
        return try AppConfiguration(SettingsReader(environment: values))
    }

    static func application(
        _ configuration: AppConfiguration, limiter: LocalRateLimiter = LocalRateLimiter()
    ) -> Application<Void> {
        var router = Router<Void>()
        router.add(Route("GET", "/health", Operation()) { _, _ in Response.json(.ok, ["status": "ok"]) })
        router.add(
            Route("GET", "/items/{id}", Operation(parameters: [.path("id", .integer(.databaseID))])) { _, _ in
                Response.json(.ok, ["id": 1])
            })
        router.add(Route("GET", "/boom", Operation()) { _, _ in throw Boom() })
        return Application(
            router: router, logger: Logger(label: "test"),
            policies: .standard(configuration, rateLimiter: limiter))
    }

    static func request(
        _ path: String, host: String = "api.example.com", origin: String? = nil,
        extra: [(String, String)] = [], client: String = "10.0.0.1"
    ) -> Request {
        request("GET", path, host: host, origin: origin, extra: extra, client: client)
    }

    static func request(
        _ method: String, _ path: String, host: String = "api.example.com",
        origin: String? = nil, extra: [(String, String)] = [], client: String = "10.0.0.1"
    ) -> Request {
        var headers: HTTPHeaders = ["host": host]
        if let origin { headers.add("origin", origin) }
        for (name, value) in extra { headers.add(name, value) }
        return Request(method: method, path: path, headers: headers, remoteAddress: client, id: "req-12345678")
    }

    @Test func theStandardChainIsCORSThenHostsThenRateLimit() throws {
        let chain = PolicyChain.standard(try Self.configuration(), rateLimiter: LocalRateLimiter())
        #expect(chain.policies.count == 3)
        #expect(chain.policies[0] is CORSPolicy)
        #expect(chain.policies[1] is TrustedHostPolicy)
        #expect(chain.policies[2] is RateLimitPolicy)
        // The defaults: ALLOWED_HOSTS=* leaves the host check out; no limiter, no limit.
        let defaults = PolicyChain.standard(
            try AppConfiguration(SettingsReader(environment: ["SECRET_KEY": "s"])), rateLimiter: nil)
        #expect(defaults.policies.count == 1)
        #expect(defaults.policies[0] is CORSPolicy)
    }

    @Test func everyStatusGetsRateLimitCORSAndRequestHeaders() throws {
        let app = Self.application(try Self.configuration(["RATE_LIMIT_MAX_REQUESTS": "100"]))
        let origin = "http://localhost:3000"
        let cases: [(Request, Int)] = [
            (Self.request("/items/1", origin: origin), 200),
            (Self.request("/nowhere", origin: origin), 404),
            (Self.request("POST", "/health", origin: origin), 405),
            (Self.request("/items/0", origin: origin), 422),
            (Self.request("/boom", origin: origin), 500),
        ]
        for (request, status) in cases {
            let response = app.respond(to: request, context: ())
            #expect(response.status.code == status)
            #expect(response.headers["X-RateLimit-Limit"] == "100", "\(status)")
            #expect(response.headers["X-RateLimit-Remaining"] != nil, "\(status)")
            #expect(response.headers["Access-Control-Allow-Origin"] == origin, "\(status)")
            #expect(response.headers["X-Request-ID"] == "req-12345678", "\(status)")
            #expect(response.headers["X-Process-Time"] != nil, "\(status)")
        }
    }

    @Test func the429GetsCORSAndRequestHeadersToo() throws {
        let app = Self.application(try Self.configuration())
        for _ in 0..<3 { _ = app.respond(to: Self.request("/items/1"), context: ()) }
        let response = app.respond(to: Self.request("/items/1", origin: "http://localhost:3000"), context: ())
        #expect(response.status.code == 429)
        #expect(response.headers["Retry-After"] != nil)
        #expect(response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000")
        #expect(response.headers["X-Request-ID"] == "req-12345678")
    }

    @Test func rejectedRequestsPassThePoliciesToo() throws {
        let app = Self.application(try Self.configuration())
        let request = Self.request("POST", "/items/1", origin: "http://localhost:3000")
        let response = app.reject(request, with: HTTPError(.contentTooLarge, .bodyTooLarge))
        #expect(response.status.code == 413)
        #expect(response.headers["X-RateLimit-Remaining"] == "2")
        #expect(response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000")
        #expect(
            app.reject(
                Self.request("POST", "/items/1", host: "evil.example"),
                with: HTTPError(.contentTooLarge, .bodyTooLarge)
            ).status.code == 400)
    }

    @Test func wrongHostIsRefusedBeforeTheRateLimitCounts() throws {
        let limiter = LocalRateLimiter()
        let app = Self.application(try Self.configuration(), limiter: limiter)
        for _ in 0..<5 {
            let response = app.respond(to: Self.request("/items/1", host: "evil.example:80"), context: ())
            #expect(response.status.code == 400)
            #expect(response.headers["X-RateLimit-Limit"] == nil)
            #expect(response.headers["X-Request-ID"] == "req-12345678")
        }
        #expect(app.respond(to: Self.request("/items/1", host: "a.example.org:8443"), context: ()).status.code == 200)
    }

    @Test func preflightIsAnsweredBeforeHostsAndRateLimit() throws {
        let app = Self.application(try Self.configuration())
        for _ in 0..<5 {
            let response = app.respond(
                to: Self.request(
                    "OPTIONS", "/items/1", host: "evil.example", origin: "http://localhost:3000",
                    extra: [("access-control-request-method", "POST")]), context: ())
            #expect(response.status.code == 200)
            #expect(response.headers["X-RateLimit-Limit"] == nil)
        }
        #expect(app.respond(to: Self.request("/items/1"), context: ()).headers["X-RateLimit-Remaining"] == "2")
    }

    @Test func trustedProxiesNameTheClient() throws {
        let proxied = try Self.configuration(["TRUSTED_PROXIES": "10.0.0.1"])
        let app = Self.application(proxied)
        func send(_ forwardedFor: String, from peer: String = "10.0.0.1") -> Response {
            app.respond(to: Self.request("/items/1", extra: [("x-forwarded-for", forwardedFor)], client: peer), context: ())
        }
        for _ in 0..<3 { #expect(send("203.0.113.7").status.code == 200) }
        #expect(send("203.0.113.7").status.code == 429)
        #expect(send("203.0.113.8").status.code == 200)
        // From a peer that is not trusted the header counts for nothing: the peer is the client.
        for _ in 0..<3 { #expect(send("203.0.113.9", from: "10.9.9.9").status.code == 200) }
        #expect(send("198.51.100.1", from: "10.9.9.9").status.code == 429)
    }
}
