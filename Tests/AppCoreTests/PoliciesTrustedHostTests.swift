import JSON
import Testing
@testable import AppCore

/// ALLOWED_HOSTS as Starlette's TrustedHostMiddleware reads it.
struct TrustedHostPolicyTests {
    let policy = TrustedHostPolicy(allowedHosts: ["api.example.com", "*.example.org", "www.example.net"])!

    func send(host: String?, path: String = "/health", rawQuery: String? = nil) -> (Response, reached: Bool) {
        var headers = HTTPHeaders()
        if let host { headers.add("host", host) }
        var reached = false
        let request = Request(method: "GET", path: path, rawQuery: rawQuery, headers: headers)
        let response = policy.respond(to: request) { _ in
            reached = true
            return Response.json(.ok, ["status": "ok"])
        }
        return (response, reached)
    }

    @Test func exactHostPasses() {
        #expect(send(host: "api.example.com").reached)
        #expect(!send(host: "other.example.com").reached)
        #expect(!send(host: "x.api.example.com").reached)
    }

    @Test func wildcardMatchesSubdomainsButNotTheBareDomain() {
        #expect(send(host: "a.example.org").reached)
        #expect(send(host: "a.b.example.org").reached)
        #expect(!send(host: "example.org").reached)
        #expect(!send(host: "badexample.org").reached)
    }

    @Test func portIsStrippedAndCaseIgnored() {
        #expect(send(host: "api.example.com:8443").reached)
        #expect(send(host: "API.Example.COM").reached)
        #expect(TrustedHostPolicy.hostName("[::1]:8080") == "[::1]")
        #expect(TrustedHostPolicy.hostName("Example.com:80") == "example.com")
        #expect(TrustedHostPolicy.hostName("") == "")
    }

    @Test func refusedHostIs400InvalidHostHeader() throws {
        let (response, reached) = send(host: "evil.example")
        #expect(!reached)
        #expect(response.status.code == 400)
        #expect(try JSONParser.parse(response.body) == ["detail": "Invalid host header"])
    }

    @Test func missingHostIsRefused() {
        let (response, reached) = send(host: nil)
        #expect(!reached)
        #expect(response.status.code == 400)
    }

    @Test func bareHostRedirectsToItsListedWwwForm() {
        let (response, reached) = send(host: "example.net:8080", path: "/api/v1/items/", rawQuery: "page=2")
        #expect(!reached)
        #expect(response.status.code == 307)
        #expect(response.headers["Location"] == "//www.example.net:8080/api/v1/items/?page=2")
    }

    @Test func starAllowsAnyHostAndLeavesThePolicyOut() {
        #expect(TrustedHostPolicy(allowedHosts: ["*"]) == nil)
        #expect(TrustedHostPolicy(allowedHosts: ["a.example", "*"]) == nil)
    }

    @Test func patternsFollowStarlettesWildcardRule() {
        #expect(TrustedHostPolicy.isValidPattern("*"))
        #expect(TrustedHostPolicy.isValidPattern("*.example.com"))
        #expect(TrustedHostPolicy.isValidPattern("example.com"))
        #expect(!TrustedHostPolicy.isValidPattern("*example.com"))
        #expect(!TrustedHostPolicy.isValidPattern("a.*.example.com"))
        #expect(!TrustedHostPolicy.isValidPattern("*.*.example.com"))
    }
}
