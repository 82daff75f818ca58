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
        let request = FastCGIParams.request(from: params, body: Array("{}".utf8))
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
        #expect(FastCGIParams.request(from: params, body: []).id == "abcdef12-3456")
    }

    @Test func malformedIncomingIdFallsBackToTheFrontServersId() {
        var withBadID = params
        withBadID["HTTP_X_REQUEST_ID"] = "short"
        #expect(FastCGIParams.request(from: withBadID, body: []).id == "0123456789abcdef0123456789abcdef")
        withBadID["HTTP_X_REQUEST_ID"] = "has spaces and ; semicolons"
        withBadID["REQUEST_ID"] = nil
        let generated = FastCGIParams.request(from: withBadID, body: []).id
        #expect(generated.count == 32)
        #expect(generated.allSatisfy { $0.isHexDigit && !$0.isUppercase })
    }

    @Test func contentLengthIsParsedOrFlagged() {
        #expect(FastCGIParams.contentLength(["CONTENT_LENGTH": "12"]) == 12)
        #expect(FastCGIParams.contentLength(["CONTENT_LENGTH": ""]) == nil)
        #expect(FastCGIParams.contentLength([:]) == nil)
        #expect(FastCGIParams.contentLength(["CONTENT_LENGTH": "x"]) == -1)
    }

    @Test func responseHeadHasStatusLengthAndDropsInjectedLines() {
        var response = Response.json(.notFound, bytes: Array(#"{"detail":"Not Found"}"#.utf8))
        response.headers.add("X-Request-ID", "evil\r\nSet-Cookie: a=b")
        let head = String(decoding: ResponseEncoding.head(response), as: UTF8.self)
        #expect(head == "Status: 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 22\r\n\r\n")
    }
}
