import JSON
import Testing
@testable import AppCore

/// CORS as Starlette's CORSMiddleware with the seed's settings (credentials, any method and
/// header), except that a refused origin gets no CORS header at all.
struct CORSPolicyTests {
    let policy = CORSPolicy(allowedOrigins: ["http://localhost:3000", "https://app.example.com"])

    /// The response, and whether the inner layers were reached.
    func call(_ method: String, _ headers: [(String, String)], through policy: CORSPolicy? = nil) -> (Response, Bool) {
        var fields = HTTPHeaders()
        for (name, value) in headers { fields.add(name, value) }
        let request = Request(method: method, path: "/api/v1/items/", headers: fields, remoteAddress: "10.0.0.1")
        var reached = false
        let response = (policy ?? self.policy).respond(to: request) { _ in
            reached = true
            return Response.json(.ok, ["items": []])
        }
        return (response, reached)
    }

    func send(_ method: String, _ headers: [(String, String)], through policy: CORSPolicy? = nil) -> Response {
        call(method, headers, through: policy).0
    }

    func corsHeaders(_ response: Response) -> [String] {
        response.headers.fields.map(\.name).filter { $0.hasPrefix("Access-Control-") || $0 == "Vary" }
    }

    @Test func allowedOriginGetsOriginCredentialsAndVary() {
        let response = send("GET", [("origin", "https://app.example.com")])
        #expect(response.status.code == 200)
        #expect(response.headers["Access-Control-Allow-Origin"] == "https://app.example.com")
        #expect(response.headers["Access-Control-Allow-Credentials"] == "true")
        #expect(response.headers["Vary"] == "Origin")
        #expect(response.headers["Access-Control-Allow-Methods"] == nil)
    }

    @Test func refusedOriginGetsNoCORSHeadersButAnAnswer() {
        let (response, reached) = call("GET", [("origin", "https://evil.example")])
        #expect(reached)
        #expect(response.status.code == 200)
        #expect(corsHeaders(response).isEmpty)
    }

    @Test func requestWithoutOriginIsUntouched() {
        let response = send("GET", [("accept", "application/json")])
        #expect(corsHeaders(response).isEmpty)
    }

    @Test func originsCompareExactly() {
        #expect(!policy.isAllowed(origin: "http://localhost:3000/"))
        #expect(!policy.isAllowed(origin: "http://LOCALHOST:3000"))
        #expect(!policy.isAllowed(origin: "http://localhost:3001"))
        #expect(policy.isAllowed(origin: "http://localhost:3000"))
    }

    @Test func preflightFromAllowedOriginIsAnsweredHere() throws {
        let (response, reached) = call(
            "OPTIONS",
            [
                ("origin", "http://localhost:3000"),
                ("access-control-request-method", "PATCH"),
                ("access-control-request-headers", "Authorization, X-Custom"),
            ])
        #expect(!reached)
        #expect(response.status.code == 200)
        #expect(try JSONParser.parse(response.body) == ["detail": "OK"])
        #expect(response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000")
        #expect(response.headers["Access-Control-Allow-Credentials"] == "true")
        #expect(response.headers["Access-Control-Allow-Methods"] == "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT")
        #expect(response.headers["Access-Control-Allow-Headers"] == "Authorization, X-Custom")
        #expect(response.headers["Access-Control-Max-Age"] == "600")
        #expect(response.headers["Vary"] == "Origin")
    }

    @Test func preflightWithoutRequestedHeadersEchoesNone() {
        let response = send("OPTIONS", [("origin", "http://localhost:3000"), ("access-control-request-method", "GET")])
        #expect(response.status.code == 200)
        #expect(response.headers["Access-Control-Allow-Headers"] == nil)
    }

    @Test func preflightFromRefusedOriginIs400WithoutCORSHeaders() throws {
        let (response, reached) = call("OPTIONS", [("origin", "https://evil.example"), ("access-control-request-method", "GET")])
        #expect(!reached)
        #expect(response.status.code == 400)
        #expect(try JSONParser.parse(response.body) == ["detail": "Disallowed CORS origin"])
        #expect(corsHeaders(response).isEmpty)
    }

    @Test func preflightForUnknownMethodIsRefusedLikeStarlette() throws {
        let response = send("OPTIONS", [("origin", "http://localhost:3000"), ("access-control-request-method", "BREW")])
        #expect(response.status.code == 400)
        #expect(try JSONParser.parse(response.body) == ["detail": "Disallowed CORS method"])
        let both = send("OPTIONS", [("origin", "https://evil.example"), ("access-control-request-method", "BREW")])
        #expect(try JSONParser.parse(both.body) == ["detail": "Disallowed CORS origin, method"])
    }

    @Test func optionsWithoutRequestMethodIsAnOrdinaryRequest() {
        let (response, reached) = call("OPTIONS", [("origin", "http://localhost:3000")])
        #expect(reached)
        #expect(response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000")
        #expect(response.headers["Access-Control-Allow-Methods"] == nil)
    }

    @Test func wildcardEchoesTheOriginBecauseOfCredentials() {
        let any = CORSPolicy(allowedOrigins: ["*"])
        let response = send("GET", [("origin", "https://anywhere.example")], through: any)
        #expect(response.headers["Access-Control-Allow-Origin"] == "https://anywhere.example")
        #expect(response.headers["Access-Control-Allow-Credentials"] == "true")
        #expect(response.headers["Vary"] == "Origin")
        let preflight = send(
            "OPTIONS", [("origin", "https://anywhere.example"), ("access-control-request-method", "DELETE")],
            through: any)
        #expect(preflight.status.code == 200)
        #expect(preflight.headers["Access-Control-Allow-Origin"] == "https://anywhere.example")
    }

    @Test func varyIsMergedWithAnExistingOne() {
        let request = Request(method: "GET", path: "/", headers: ["origin": "http://localhost:3000"])
        let merged = policy.respond(to: request) { _ in Response(status: .ok, headers: ["Vary": "Accept-Encoding"]) }
        #expect(merged.headers.fields.filter { $0.name == "Vary" }.map(\.value) == ["Accept-Encoding, Origin"])
        let kept = policy.respond(to: request) { _ in Response(status: .ok, headers: ["vary": "origin"]) }
        #expect(kept.headers.fields.filter { $0.name.lowercased() == "vary" }.map(\.value) == ["origin"])
    }

    @Test func errorResponsesGetTheHeadersToo() {
        let request = Request(method: "DELETE", path: "/", headers: ["Origin": "http://localhost:3000"])
        let response = policy.respond(to: request) { _ in HTTPError(.forbidden, .adminRequired).response(language: .japanese) }
        #expect(response.status.code == 403)
        #expect(response.headers["Access-Control-Allow-Origin"] == "http://localhost:3000")
    }
}
