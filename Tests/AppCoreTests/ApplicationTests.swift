import JSON
import Logging
import Testing
@testable import AppCore

/// The error policy and the headers every response carries.
struct ApplicationTests {
    struct Boom: Error, CustomStringConvertible {
        var description: String { "boom (safe to log)" }
    }
    struct Unavailable: Error {}

    static func makeApplication() -> Application<Void> {
        var router = Router<Void>()
        router.add(Route("GET", "/boom", Operation()) { _, _ in throw Boom() })
        router.add(Route("GET", "/down", Operation()) { _, _ in throw Unavailable() })
        router.add(
            Route("GET", "/teapot", Operation()) { _, _ in
                throw HTTPError(HTTPStatus(code: 418, reason: "I'm a teapot"), Message(ja: "ティーポット", en: "teapot"))
            })
        return Application(router: router, logger: Logger(label: "test")) { error in
            error is Unavailable ? HTTPError(.serviceUnavailable, .databaseUnavailable) : nil
        }
    }

    func respond(_ path: String, language: String? = nil) throws -> (Response, JSONValue) {
        var headers = HTTPHeaders()
        if let language { headers.add("accept-language", language) }
        let response = Self.makeApplication().respond(
            to: Request(method: "GET", path: path, headers: headers, id: "req-12345678"), context: ())
        return (response, try JSONParser.parse(response.body))
    }

    @Test func unexpectedErrorsBecomeAGeneric500() throws {
        let (response, body) = try respond("/boom")
        #expect(response.status.code == 500)
        #expect(body == ["detail": "サーバー内部エラーが発生しました"])
        #expect(!String(decoding: response.body, as: UTF8.self).contains("boom"))
    }

    @Test func mappedErrorsKeepTheirStatus() throws {
        let (response, body) = try respond("/down")
        #expect(response.status.code == 503)
        #expect(body == ["detail": "データベースに接続できません"])
    }

    @Test func messagesFollowAcceptLanguage() throws {
        #expect(try respond("/teapot").1 == ["detail": "ティーポット"])
        #expect(try respond("/teapot", language: "en-GB").1 == ["detail": "teapot"])
        #expect(try respond("/boom", language: "en").1 == ["detail": "Internal server error"])
    }

    @Test func everyResponseCarriesRequestIdAndProcessTime() throws {
        for path in ["/boom", "/down", "/teapot", "/missing"] {
            let (response, _) = try respond(path)
            #expect(response.headers["X-Request-ID"] == "req-12345678")
            let time = try #require(response.headers["X-Process-Time"])
            #expect(time.hasSuffix("ms") && Double(time.dropLast(2)) != nil, "\(time)")
        }
    }

    @Test func processTimeHasTwoDecimals() {
        #expect(ProcessTime.format(.microseconds(1234)) == "1.23ms")
        #expect(ProcessTime.format(.microseconds(50)) == "0.05ms")
        #expect(ProcessTime.format(.milliseconds(12)) == "12.00ms")
    }
}
