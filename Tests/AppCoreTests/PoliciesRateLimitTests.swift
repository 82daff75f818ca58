import JSON
import Testing
@testable import AppCore

/// The rate-limit policy: headers, 429, the login limit, the health exemption. Which rules count
/// a request comes from the operation it was routed to (`Request.route`), never from its path.
struct RateLimitPolicyTests {
    final class Clock {
        var now: Duration = .zero
    }

    let clock = Clock()
    let limiter: LocalRateLimiter
    let policy: RateLimitPolicy

    init() {
        let clock = clock
        limiter = LocalRateLimiter(now: { clock.now })
        policy = RateLimitPolicy(
            limiter: limiter,
            general: RateLimitRule(.general, maxRequests: 5, windowSeconds: 60),
            login: RateLimitRule(.login, maxRequests: 2, windowSeconds: 30))
    }

    func send(
        _ method: String = "GET", _ path: String = "/api/v1/items/", client: String = "10.0.0.1",
        language: String? = nil, counted: RateLimitClass? = .general
    ) -> (Response, reached: Bool) {
        var headers = HTTPHeaders()
        if let language { headers.add("accept-language", language) }
        let request = Request(
            method: method, path: path, headers: headers, remoteAddress: client,
            route: counted.map { RouteTraits(rateLimit: $0) })
        var reached = false
        let response = policy.respond(to: request) { _ in
            reached = true
            return Response.json(.ok, ["ok": true])
        }
        return (response, reached)
    }

    @Test func everyAllowedResponseCarriesLimitAndRemaining() {
        for expected in ["4", "3", "2"] {
            let (response, reached) = send()
            #expect(reached)
            #expect(response.headers["X-RateLimit-Limit"] == "5")
            #expect(response.headers["X-RateLimit-Remaining"] == expected)
            #expect(response.headers["Retry-After"] == nil)
        }
    }

    @Test func overTheLimitIs429WithRetryAfterAndTheSeedsBody() throws {
        for _ in 0..<5 { _ = send() }
        clock.now += .seconds(15)
        let (response, reached) = send()
        #expect(!reached)
        #expect(response.status.code == 429)
        #expect(try JSONParser.parse(response.body) == ["detail": "レート制限に達しました"])
        #expect(response.headers["Retry-After"] == "45")
        #expect(response.headers["X-RateLimit-Limit"] == "5")
        #expect(response.headers["X-RateLimit-Remaining"] == "0")
        #expect(try JSONParser.parse(send(language: "en").0.body) == ["detail": "Rate limit exceeded"])
    }

    @Test func theWindowEndFreesTheClient() {
        for _ in 0..<6 { _ = send() }
        clock.now += .seconds(60)
        let (response, reached) = send()
        #expect(reached)
        #expect(response.headers["X-RateLimit-Remaining"] == "4")
    }

    @Test func otherClientsAreNotAffected() {
        for _ in 0..<6 { _ = send(client: "10.0.0.1") }
        #expect(send(client: "10.0.0.2").reached)
    }

    @Test func loginHasItsOwnStricterLimit() throws {
        let first = send("POST", "/api/v1/auth/token", counted: .login)
        #expect(first.reached)
        #expect(first.0.headers["X-RateLimit-Limit"] == "2")
        #expect(first.0.headers["X-RateLimit-Remaining"] == "1")
        #expect(send("POST", "/api/v1/auth/token", counted: .login).reached)
        clock.now += .seconds(10)
        let (refused, reached) = send("POST", "/api/v1/auth/token", counted: .login)
        #expect(!reached)
        #expect(refused.status.code == 429)
        #expect(refused.headers["Retry-After"] == "20")
        #expect(refused.headers["X-RateLimit-Limit"] == "2")
        // Other requests of the same client still go through: 3 of the general 5 are used.
        let (other, otherReached) = send("GET", "/api/v1/items/")
        #expect(otherReached)
        #expect(other.headers["X-RateLimit-Limit"] == "5")
        #expect(other.headers["X-RateLimit-Remaining"] == "1")
        // A request the router sends nowhere (a 405, a redirect) counts under the general rule.
        #expect(send("GET", "/api/v1/auth/token", counted: nil).0.headers["X-RateLimit-Limit"] == "5")
    }

    @Test func theLoginRuleFollowsTheOperationNotThePath() {
        // However the path is spelled, the routed login counts under the login rule…
        _ = send("POST", "/api/v1/auth/%74oken", counted: .login)
        _ = send("POST", "/api/v1/auth/token", counted: .login)
        #expect(send("POST", "/api/v1/auth/token", counted: .login).0.status.code == 429)
        // …and the same path text routed to an ordinary operation does not.
        #expect(send("POST", "/api/v1/auth/token", client: "10.0.0.9").0.headers["X-RateLimit-Limit"] == "5")
    }

    @Test func loginShowsTheGeneralLimitWhenThatIsCloser() {
        for _ in 0..<4 { _ = send() }
        let (response, reached) = send("POST", "/api/v1/auth/token", counted: .login)
        #expect(reached)
        #expect(response.headers["X-RateLimit-Limit"] == "5")
        #expect(response.headers["X-RateLimit-Remaining"] == "0")
        #expect(send("POST", "/api/v1/auth/token", counted: .login).0.status.code == 429)
    }

    @Test func exemptOperationsAreNeitherCountedNorLabelled() {
        for _ in 0..<10 {
            let (response, reached) = send("GET", "/health", counted: .exempt)
            #expect(reached)
            #expect(response.headers["X-RateLimit-Limit"] == nil)
            #expect(response.headers["X-RateLimit-Remaining"] == nil)
        }
        for _ in 0..<5 { _ = send() }
        let (ready, reached) = send("GET", "/health/ready", counted: .exempt)
        #expect(reached)
        #expect(ready.status.code == 200)
        #expect(ready.headers["X-RateLimit-Remaining"] == nil)
        #expect(send().0.status.code == 429)
    }
}
