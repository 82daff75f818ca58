import AppCore
import Testing
@testable import FCGIServer

/// FastCGI params → Request, and Response → CGI head.
struct FastCGIParamsTests {
    let params = [
        "REQUEST_METHOD": "get",
        "REQUEST_URI": "/api/v1/items/%E3%81%82?search=a+b&page=2",
        "QUERY_STRING": "search=a+b&page=2",
        "CONTENT_TYPE": "application/json",
        "CONTENT_LENGTH": "2",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_X_REQUEST_ID": "abcdef12-3456",
        "HTTP_ACCEPT_LANGUAGE": "en",
        "REQUEST_ID": "0123456789abcdef0123456789abcdef",
    ]

    @Test func mapsMethodPathQueryHeadersAndBody() {
        let request = FastCGIParams(params).request(body: Array("{}".utf8))
        #expect(request.method == "GET")
        #expect(request.path == "/api/v1/items/あ")
        #expect(request.query["search"] == "a b")
        #expect(request.rawQuery == "search=a+b&page=2")
        #expect(request.headers["Content-Type"] == "application/json")
        #expect(request.headers["x-request-id"] == "abcdef12-3456")
        #expect(request.mediaType == "application/json")
        #expect(request.language == .english)
        #expect(request.remoteAddress == "127.0.0.1")
        #expect(request.body == Array("{}".utf8))
    }

    @Test func wellFormedIncomingRequestIdIsReused() {
        #expect(FastCGIParams(params).request(body: []).id == "abcdef12-3456")
    }

    @Test func malformedIncomingIdFallsBackToTheFrontServersId() {
        var withBadID = params
        withBadID["HTTP_X_REQUEST_ID"] = "short"
        #expect(FastCGIParams(withBadID).request(body: []).id == "0123456789abcdef0123456789abcdef")
        withBadID["HTTP_X_REQUEST_ID"] = "has spaces and ; semicolons"
        withBadID["REQUEST_ID"] = nil
        let generated = FastCGIParams(withBadID).request(body: []).id
        #expect(generated.count == 32)
        #expect(generated.allSatisfy { $0.isHexDigit && !$0.isUppercase })
    }

    @Test func frontServerIdsAreLowercasedOnlyWhenNeeded() {
        #expect(RequestID.choose(incoming: nil, fromFrontServer: "0123456789ABCDEF") == "0123456789abcdef")
        #expect(RequestID.choose(incoming: nil, fromFrontServer: "0123456789abcdef") == "0123456789abcdef")
        #expect(RequestID.choose(incoming: "Client-ID-42", fromFrontServer: "0123456789abcdef") == "Client-ID-42")
    }

    @Test func aContentLengthFieldInAnyCaseIsNotDoubled() {
        var response = Response.json(.ok, bytes: Array("{}".utf8))
        response.headers.add("content-LENGTH", "2")
        response.headers.add("X-Process-Time", "0.10ms")  // as long as Content-Length: not mistaken for it
        let encoded = String(decoding: ResponseEncoding.encode(response), as: UTF8.self)
        #expect(
            encoded == "Status: 200 OK\r\nContent-Type: application/json\r\ncontent-LENGTH: 2\r\n"
                + "X-Process-Time: 0.10ms\r\n\r\n{}")
    }

    @Test func contentLengthIsParsedOrFlagged() {
        #expect(FastCGIParams(["CONTENT_LENGTH": "12"]).declaredBodyLength == 12)
        #expect(FastCGIParams(["CONTENT_LENGTH": ""]).declaredBodyLength == nil)
        #expect(FastCGIParams([:]).declaredBodyLength == nil)
        #expect(FastCGIParams(["CONTENT_LENGTH": "x"]).declaredBodyLength == -1)
    }

    @Test func unusedParamsAreIgnoredAndScriptNameIsTheFallbackPath() {
        let request = FastCGIParams(["SCRIPT_NAME": "/health", "DOCUMENT_ROOT": "/srv", "SERVER_SOFTWARE": "nginx"])
            .request(body: [])
        #expect(request.path == "/health")
        #expect(request.method == "GET")
        #expect(Array(request.headers).isEmpty)
    }

    @Test func responseHasStatusLengthBodyAndDropsInjectedLines() {
        var response = Response.json(.notFound, bytes: Array(#"{"detail":"Not Found"}"#.utf8))
        response.headers.add("X-Request-ID", "evil\r\nSet-Cookie: a=b")
        let encoded = String(decoding: ResponseEncoding.encode(response), as: UTF8.self)
        #expect(
            encoded == "Status: 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 22\r\n\r\n"
                + #"{"detail":"Not Found"}"#)
        let head = String(decoding: ResponseEncoding.encode(response, includeBody: false), as: UTF8.self)
        #expect(head.hasSuffix("Content-Length: 22\r\n\r\n"))
    }
}
