import JSON
import Testing
@testable import AppCore

/// The router through its public behaviour: matching, 404/405, redirects, and the 422 layer.
struct RouterTests {
    struct Probe {}

    static func makeRouter() -> Router<Probe> {
        var router = Router<Probe>()
        router.add(
            Route(
                "GET", "/api/v1/items/",
                Operation(parameters: [
                    .query("page", .integer(IntegerRule(minimum: 1)), default: 1),
                    .query("per_page", .integer(IntegerRule(minimum: 1, maximum: 100)), default: 20),
                    .query("search", .string(StringRule())),
                ])
            ) { input, _ in
                .json(
                    .ok,
                    [
                        "page": .int(Int64(input.int("page")!)), "per_page": .int(Int64(input.int("per_page")!)),
                        "search": input.string("search").map { .string($0) } ?? .null,
                    ])
            })
        router.add(
            Route(
                "GET", "/api/v1/items/{item_id}",
                Operation(parameters: [
                    .path("item_id", .integer(.databaseID))
                ])
            ) { input, _ in
                .json(.ok, ["id": .int(Int64(input.int("item_id")!))])
            })
        router.add(
            Route(
                "POST", "/api/v1/items/",
                Operation(
                    body: ObjectSchema(
                        name: "ItemCreate",
                        fields: [
                            FieldSchema("title", .string(StringRule(minLength: 1, maxLength: 200))),
                            FieldSchema(
                                "price", .integer(IntegerRule(minimum: 0, maximum: Int64(Int32.max))), required: false,
                                defaultValue: 0),
                        ], allowsExtraFields: false))
            ) { input, _ in
                .json(.created, .object(input.body!))
            })
        return router
    }

    func respond(
        _ method: String, _ target: String, body: String = "", contentType: String? = "application/json"
    ) throws -> Response {
        let parts = target.split(separator: "?", maxSplits: 1)
        var headers = HTTPHeaders()
        if let contentType { headers.add("content-type", contentType) }
        let request = Request(
            method: method, path: String(parts[0]),
            query: QueryParameters(parsing: parts.count > 1 ? parts[1] : ""),
            rawQuery: parts.count > 1 ? String(parts[1]) : nil,
            headers: headers, body: Array(body.utf8))
        return try Self.makeRouter().respond(to: request, context: Probe())
    }

    func issues(_ method: String, _ target: String, body: String = "") -> [ValidationIssue] {
        do {
            _ = try respond(method, target, body: body)
            Issue.record("expected a validation error")
            return []
        } catch let error as ValidationError {
            return error.issues
        } catch {
            Issue.record("unexpected error \(error)")
            return []
        }
    }

    func json(_ response: Response) throws -> JSONValue {
        try JSONParser.parse(response.body)
    }

    @Test func pathParameterIsTypedAndDefaultsApply() throws {
        #expect(try json(respond("GET", "/api/v1/items/42")) == ["id": 42])
        #expect(try json(respond("GET", "/api/v1/items/?search=%E3%81%82+b")) == ["page": 1, "per_page": 20, "search": "あ b"])
    }

    @Test func pathIdBelowOneIsGreaterThanEqual() {
        let found = issues("GET", "/api/v1/items/0")
        #expect(found.map(\.field) == ["path -> item_id"])
        #expect(found.map(\.type) == ["greater_than_equal"])
    }

    @Test func pathIdBeyondInt32IsLessThanEqualEvenBeyondInt64() {
        #expect(issues("GET", "/api/v1/items/99999999999").map(\.type) == ["less_than_equal"])
        #expect(issues("GET", "/api/v1/items/99999999999999999999999").map(\.type) == ["less_than_equal"])
        #expect(issues("GET", "/api/v1/items/abc").map(\.type) == ["int_parsing"])
    }

    @Test func allQueryProblemsAreReportedTogether() {
        let found = issues("GET", "/api/v1/items/?page=0&per_page=101")
        #expect(found.map(\.field) == ["query -> page", "query -> per_page"])
        #expect(found.map(\.type) == ["greater_than_equal", "less_than_equal"])
        #expect(found[1].message.english == "Input should be less than or equal to 100")
    }

    @Test func unknownPathIs404AndWrongMethodIs405WithAllow() {
        #expect(throws: HTTPError.self) { try respond("GET", "/nope") }
        do {
            _ = try respond("DELETE", "/api/v1/items/")
            Issue.record("expected 405")
        } catch let error as HTTPError {
            #expect(error.status.code == 405)
            #expect(error.headers["allow"] == "GET, POST")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func allowNamesTheMostSpecificPathOnly() {
        var router = Router<Probe>()
        router.add(Route("PATCH", "/users/me", Operation()) { _, _ in .empty(.ok) })
        router.add(Route("DELETE", "/users/{user_id}", Operation()) { _, _ in .empty(.noContent) })
        do {
            _ = try router.respond(to: Request(method: "GET", path: "/users/me"), context: Probe())
            Issue.record("expected 405")
        } catch let error as HTTPError {
            #expect(error.headers["allow"] == "PATCH")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func nulCharactersAreRefusedBeforeTheDatabase() {
        let found = issues("GET", "/api/v1/items/?search=a%00b")
        #expect(found.map(\.field) == ["query -> search"])
        #expect(found.map(\.type) == ["value_error"])
    }

    @Test func missingTrailingSlashRedirectsKeepingTheQuery() throws {
        let response = try respond("GET", "/api/v1/items?page=2")
        #expect(response.status.code == 307)
        #expect(response.headers["location"] == "/api/v1/items/?page=2")
    }

    @Test func nonCanonicalPathsAreSentToTheirOneForm() throws {
        for (target, location) in [
            ("//api/v1/items/", "/api/v1/items/"),
            ("/api/v1//items/?page=2", "/api/v1/items/?page=2"),
            ("/api/v1/x/../items/3", "/api/v1/items/3"),
            ("/api/./v1/items/3/", "/api/v1/items/3/"),
        ] {
            let response = try respond("POST", target)
            #expect(response.status.code == 308, "\(target)")
            #expect(response.headers["location"] == location, "\(target)")
        }
        // A non-canonical path whose canonical form exists nowhere is simply not found.
        #expect(throws: HTTPError.self) { try respond("GET", "//nothing/here") }
    }

    @Test func redirectLocationsAreEncodedAndNeverSchemeRelative() throws {
        // `//api/v1/items` names host "api" if sent back as it came.
        let response = try respond("GET", "//api/v1/items")
        #expect(response.status.code == 308)
        #expect(response.headers["location"] == "/api/v1/items")
        let slash = try respond("GET", "/api/v1/items?q=a b")
        #expect(slash.headers["location"] == "/api/v1/items/?q=a%20b")
        var router = Router<Probe>()
        router.add(Route("GET", "/files/{name}/", Operation()) { _, _ in .empty(.ok) })
        let encoded = try router.respond(to: Request(method: "GET", path: "/files/日本 語?#"), context: Probe())
        #expect(encoded.headers["location"] == "/files/%E6%97%A5%E6%9C%AC%20%E8%AA%9E%3F%23/")
    }

    @Test func canonicalPathsAreRecognisedWithoutRebuilding() {
        for path in ["/", "/api/v1/items/", "/a/.b/..c/...", "/a.b"] {
            #expect(CanonicalPath(path).isCanonical, "\(path)")
        }
        for path in ["", "//", "/a//b", "/a/./b", "/a/../b", "/a/.", "/a/..", "a/b"] {
            #expect(!CanonicalPath(path).isCanonical, "\(path)")
        }
        #expect(CanonicalPath("/../..").text == "/")
        #expect(CanonicalPath("/a/b/..").text == "/a/")
    }

    @Test func bodyIsValidatedWithDefaultsAndStripping() throws {
        let response = try respond("POST", "/api/v1/items/", body: #"{"title": "  テスト  "}"#)
        #expect(response.status.code == 201)
        #expect(try json(response) == ["title": "テスト", "price": 0])
    }

    @Test func bodyProblemsAreAllReported() {
        let found = issues("POST", "/api/v1/items/", body: #"{"title": "", "price": -1, "colour": "red"}"#)
        #expect(found.map(\.field) == ["body -> title", "body -> price", "body -> colour"])
        #expect(found.map(\.type) == ["string_too_short", "greater_than_equal", "extra_forbidden"])
    }

    @Test func malformedJsonIsJsonInvalidAndMissingBodyIsMissing() {
        #expect(issues("POST", "/api/v1/items/", body: #"{"title": "#).map(\.type) == ["json_invalid"])
        #expect(issues("POST", "/api/v1/items/", body: "").map(\.field) == ["body"])
        #expect(issues("POST", "/api/v1/items/", body: "[1]").map(\.type) == ["model_attributes_type"])
        #expect(issues("POST", "/api/v1/items/", body: #"{"title": null}"#).map(\.type) == ["string_type"])
    }

    @Test func wrongContentTypeIs415() {
        do {
            _ = try respond("POST", "/api/v1/items/", body: "title=x", contentType: "application/x-www-form-urlencoded")
            Issue.record("expected 415")
        } catch let error as HTTPError {
            #expect(error.status.code == 415)
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func validationResponseHasTheContractShape() throws {
        let error = ValidationError([
            ValidationIssue(
                location: ["query", "page"], type: "greater_than_equal",
                message: Message("Input should be greater than or equal to 1"))
        ])
        let body = try json(error.response(language: .japanese))
        #expect(
            body == [
                "detail": "入力値が不正です",
                "errors": [
                    [
                        "field": "query -> page", "message": "Input should be greater than or equal to 1",
                        "type": "greater_than_equal",
                    ]
                ],
            ])
        #expect(try json(error.response(language: .english)).objectValue?["detail"] == "Invalid input")
    }
}
