import JSON
import Testing
@testable import AppCore

/// The OpenAPI document of a small router: paths, parameters with their constraints, bodies
/// as component `$ref`s, responses, security, and the HTML pages.
struct OpenAPIDocumentTests {
    /// Refuses every caller: the document only reads the routes.
    struct Probe: Authenticating {
        func caller(of request: Request, access: Access) throws -> Int { throw HTTPError(.unauthorized, .invalidCredentials) }
        func tokenSubject(of request: Request) throws -> Int { throw HTTPError(.unauthorized, .invalidCredentials) }
    }

    static let owner = ObjectSchema(
        name: "Owner",
        fields: [
            FieldSchema("id", .integer(IntegerRule()))
        ])
    static let itemCreate = ObjectSchema(
        name: "ItemCreate",
        fields: [
            FieldSchema("title", .string(StringRule(minLength: 1, maxLength: 200)), examples: ["ノートPC"]),
            FieldSchema("description", .string(StringRule()), required: false, nullable: true),
            FieldSchema(
                "price", .integer(IntegerRule(minimum: 0, maximum: Int64(Int32.max))), required: false,
                defaultValue: 0),
            FieldSchema(
                "tags", .array(ArrayRule(items: .string(StringRule(pattern: "^[a-z]+$")), minItems: 1)),
                required: false),
            FieldSchema("age", .integer(IntegerRule(maximum: 150, exclusiveMinimum: 0)), required: false, nullable: true),
        ], allowsExtraFields: false, example: ["title": "ノートPC"])
    static let item = ObjectSchema(
        name: "ItemResponse",
        fields: [
            FieldSchema("id", .integer(IntegerRule())),
            FieldSchema("owner", .object(owner)),
            FieldSchema("created_at", .string(StringRule(documentedFormat: "date-time"))),
        ])
    static let tokenForm = ObjectSchema(
        name: "Body_login_token_post",
        fields: [
            FieldSchema("username", .string(StringRule())),
            FieldSchema("password", .string(StringRule())),
            FieldSchema("client_id", .string(StringRule()), required: false, nullable: true),
        ])

    static func makeRouter() -> Router<Probe> {
        var router = Router<Probe>()
        let ok: Route<Probe>.Handler = { _, _ in .empty(.noContent) }
        router.add(
            Route(
                "GET", "/api/v1/items/",
                Operation(
                    summary: "アイテム一覧取得", tags: ["アイテム"],
                    parameters: [
                        .query("page", .integer(IntegerRule(minimum: 1)), default: 1, description: "ページ番号"),
                        .query("per_page", .integer(IntegerRule(minimum: 1, maximum: 100)), default: 20),
                        .query("search", .string(StringRule(maxLength: 200))),
                    ],
                    name: "list_items", response: .array(ArrayRule(items: .object(item)))), handler: ok))
        router.add(
            Route(
                "GET", "/api/v1/items/{item_id}",
                Operation(
                    parameters: [
                        .path("item_id", .integer(.databaseID)), Parameter("if_none_match", in: .header, .string(StringRule())),
                    ],
                    name: "get_item", response: .object(item),
                    responses: [404: .error("アイテムが見つからない", detail: "Item 1 not found"), 304: .empty("Not Modified")]),
                handler: ok))
        router.add(
            Route(
                "POST", "/api/v1/items/",
                Operation(
                    summary: "アイテム作成", body: itemCreate, successStatus: .created, name: "create_item",
                    access: .user, response: .object(item))
            ) { _, _, _ in .empty(.noContent) })
        router.add(
            Route(
                "DELETE", "/api/v1/items/{item_id}",
                Operation(
                    parameters: [.path("item_id", .integer(.databaseID))], successStatus: .noContent, access: .user)
            ) { _, _, _ in .empty(.noContent) })
        router.add(Route("POST", "/token", Operation(body: tokenForm, bodyFormat: .form, name: "login"), handler: ok))
        router.add(Route("GET", "/health", Operation(name: "health_check"), handler: ok))
        router.add(Route("GET", "/rooms/{room_id}/messages", Operation(name: "messages"), handler: ok))
        router.add(Route("GET", "/docs", Operation(includeInSchema: false), handler: ok))
        return router
    }

    static func document() -> (OpenAPIDocument, JSONValue) {
        let document = OpenAPIDocument(routes: makeRouter().routes, tokenURL: "/token")
        return (document, document.json(info: OpenAPIInfo(title: "MyAPI", version: "1.2.3", description: "サンプル")))
    }

    static func pointer(_ root: JSONValue, _ path: String...) -> JSONValue? {
        var value: JSONValue? = root
        for key in path { value = value?[key] }
        return value
    }

    @Test func topLevel() throws {
        let (document, json) = Self.document()
        #expect(json["openapi"] == "3.1.0")
        #expect(json["info"] == ["title": "MyAPI", "description": "サンプル", "version": "1.2.3"])
        #expect(json.objectValue?.keys == ["openapi", "info", "paths", "components"])
        #expect(document.problems.isEmpty)
        #expect(document.operationCount == 7)
        // It survives the round trip through the project's own writer and parser.
        #expect(try JSONParser.parse(json.serialized()) == json)
    }

    @Test func pathsAndOperationIDs() {
        let (_, json) = Self.document()
        let paths = json["paths"]!.objectValue!
        #expect(paths.keys == ["/api/v1/items/", "/api/v1/items/{item_id}", "/token", "/health", "/rooms/{room_id}/messages"])
        #expect(paths["/api/v1/items/"]?.objectValue?.keys == ["get", "post"])
        #expect(paths["/api/v1/items/{item_id}"]?.objectValue?.keys == ["get", "delete"])
        #expect(json["paths"]?["/api/v1/items/"]?["get"]?["operationId"] == "list_items_api_v1_items__get")
        #expect(json["paths"]?["/api/v1/items/{item_id}"]?["get"]?["operationId"] == "get_item_api_v1_items__item_id__get")
        #expect(json["paths"]?["/health"]?["get"]?["operationId"] == "health_check_health_get")
        // Without a name: the method stands in for it.
        #expect(json["paths"]?["/api/v1/items/{item_id}"]?["delete"]?["operationId"] == "delete_api_v1_items__item_id__delete")
        #expect(json["paths"]?["/api/v1/items/"]?["get"]?["summary"] == "アイテム一覧取得")
        // No summary: the name in title case, as FastAPI; neither: none.
        #expect(json["paths"]?["/api/v1/items/{item_id}"]?["get"]?["summary"] == "Get Item")
        #expect(json["paths"]?["/api/v1/items/{item_id}"]?["delete"]?["summary"] == nil)
        #expect(json["paths"]?["/api/v1/items/"]?["get"]?["tags"] == ["アイテム"])
        #expect(paths["/docs"] == nil)
    }

    @Test func parametersCarryTheirConstraints() {
        let (_, json) = Self.document()
        let parameters = json["paths"]?["/api/v1/items/"]?["get"]?["parameters"]?.arrayValue ?? []
        #expect(parameters.count == 3)
        #expect(
            parameters[0] == [
                "name": "page", "in": "query", "required": false,
                "schema": ["type": "integer", "minimum": 1, "title": "Page", "description": "ページ番号", "default": 1],
                "description": "ページ番号",
            ])
        #expect(parameters[1]["schema"] == ["type": "integer", "minimum": 1, "maximum": 100, "title": "Per Page", "default": 20])
        #expect(parameters[2]["schema"] == ["type": "string", "maxLength": 200, "title": "Search"])

        let itemParameters = json["paths"]?["/api/v1/items/{item_id}"]?["get"]?["parameters"]?.arrayValue ?? []
        #expect(
            itemParameters[0] == [
                "name": "item_id", "in": "path", "required": true,
                "schema": ["type": "integer", "minimum": 1, "maximum": 2147483647, "title": "Item Id"],
            ])
        // Header parameters are named as sent (`if_none_match` reads `if-none-match`).
        #expect(itemParameters[1]["name"] == "if-none-match")
        #expect(itemParameters[1]["in"] == "header")

        // A path variable without a declared parameter is still described.
        let undeclared = json["paths"]?["/rooms/{room_id}/messages"]?["get"]?["parameters"]?[0]
        #expect(undeclared?["name"] == "room_id")
        #expect(undeclared?["required"] == true)
    }

    @Test func bodiesAreComponentReferences() {
        let (_, json) = Self.document()
        let create = json["paths"]?["/api/v1/items/"]?["post"]
        #expect(create?["requestBody"]?["required"] == true)
        #expect(create?["requestBody"]?["content"]?["application/json"]?["schema"] == ["$ref": "#/components/schemas/ItemCreate"])
        #expect(create?["requestBody"]?["content"]?["application/json"]?["example"] == ["title": "ノートPC"])
        let form = json["paths"]?["/token"]?["post"]?["requestBody"]?["content"]
        #expect(form?.objectValue?.keys == ["application/x-www-form-urlencoded"])
        #expect(form?["application/x-www-form-urlencoded"]?["schema"] == ["$ref": "#/components/schemas/Body_login_token_post"])
        // A form cannot send null: its nullable fields are documented as optional text.
        #expect(
            json["components"]?["schemas"]?["Body_login_token_post"]?["properties"]?["client_id"]
                == ["type": "string", "title": "Client Id"])

        let schema = json["components"]?["schemas"]?["ItemCreate"]
        #expect(schema?["type"] == "object")
        #expect(schema?["required"] == ["title"])
        #expect(schema?["additionalProperties"] == false)
        #expect(schema?["title"] == "ItemCreate")
        #expect(schema?["examples"] == [["title": "ノートPC"]])
        #expect(
            schema?["properties"]?["title"] == [
                "type": "string", "minLength": 1, "maxLength": 200, "title": "Title", "examples": ["ノートPC"],
            ])
        // Nullable: an OpenAPI 3.1 type array, the value's type first (swift-openapi-generator
        // skips Pydantic's `anyOf` with a `null` branch).
        #expect(
            schema?["properties"]?["description"] == [
                "type": ["string", "null"], "title": "Description", "default": nil,
            ])
        #expect(
            schema?["properties"]?["price"] == [
                "type": "integer", "minimum": 0, "maximum": 2147483647, "title": "Price", "default": 0,
            ])
        #expect(
            schema?["properties"]?["tags"] == [
                "type": "array", "items": ["type": "string", "pattern": "^[a-z]+$"], "minItems": 1, "title": "Tags",
            ])
        #expect(
            schema?["properties"]?["age"] == [
                "type": ["integer", "null"], "maximum": 150, "exclusiveMinimum": 0, "title": "Age", "default": nil,
            ])
        // Nested objects are components of their own; extras allowed unless refused.
        #expect(json["components"]?["schemas"]?["ItemResponse"]?["properties"]?["owner"]?["$ref"] == "#/components/schemas/Owner")
        #expect(json["components"]?["schemas"]?["ItemResponse"]?["additionalProperties"] == nil)
        #expect(json["components"]?["schemas"]?["ItemResponse"]?["properties"]?["created_at"]?["format"] == "date-time")
    }

    @Test func responses() {
        let (_, json) = Self.document()
        let list = json["paths"]?["/api/v1/items/"]?["get"]?["responses"]
        #expect(list?.objectValue?.keys == ["200", "422", "429", "503", "504"])
        #expect(
            list?["200"]?["content"]?["application/json"]?["schema"] == [
                "type": "array", "items": ["$ref": "#/components/schemas/ItemResponse"],
            ])
        #expect(list?["422"]?["content"]?["application/json"]?["schema"] == ["$ref": "#/components/schemas/HTTPValidationError"])
        #expect(list?["429"] == ["$ref": "#/components/responses/TooManyRequests"])

        let create = json["paths"]?["/api/v1/items/"]?["post"]?["responses"]
        #expect(create?.objectValue?.keys == ["201", "401", "403", "413", "415", "422", "429", "503", "504"])
        #expect(create?["401"]?["content"]?["application/json"]?["schema"] == ["$ref": "#/components/schemas/HTTPError"])
        #expect(create?["401"]?["headers"]?["WWW-Authenticate"] != nil)

        let get = json["paths"]?["/api/v1/items/{item_id}"]?["get"]?["responses"]
        #expect(get?.objectValue?.keys == ["200", "304", "404", "422", "429", "503", "504"])
        #expect(get?["304"]?["content"] == nil)
        #expect(get?["404"]?["content"]?["application/json"]?["example"] == ["detail": "Item 1 not found"])

        // 204: no content; an operation without parameters has no 422.
        let delete = json["paths"]?["/api/v1/items/{item_id}"]?["delete"]?["responses"]
        #expect(delete?["204"] == ["description": "Successful Response"])
        let health = json["paths"]?["/health"]?["get"]?["responses"]
        #expect(health?.objectValue?.keys == ["200", "429", "503", "504"])
        #expect(health?["200"]?["content"]?["application/json"]?["schema"] == [:])

        let validation = json["components"]?["schemas"]?["HTTPValidationError"]
        #expect(validation?["required"] == ["detail"])
        #expect(validation?["properties"]?["errors"]?["items"] == ["$ref": "#/components/schemas/ValidationError"])
        #expect(json["components"]?["schemas"]?["ValidationError"]?["required"] == ["field", "message", "type"])
    }

    @Test func security() {
        let (_, json) = Self.document()
        #expect(
            json["components"]?["securitySchemes"] == [
                "OAuth2PasswordBearer": ["type": "oauth2", "flows": ["password": ["scopes": [:], "tokenUrl": "/token"]]]
            ])
        #expect(json["paths"]?["/api/v1/items/"]?["post"]?["security"] == [["OAuth2PasswordBearer": []]])
        #expect(json["paths"]?["/api/v1/items/{item_id}"]?["delete"]?["security"] == [["OAuth2PasswordBearer": []]])
        #expect(json["paths"]?["/api/v1/items/"]?["get"]?["security"] == nil)
        #expect(json["paths"]?["/token"]?["post"]?["security"] == nil)
    }

    @Test func everyReferenceResolves() {
        let (_, json) = Self.document()
        let dangling = OpenAPIReferences.dangling(in: json)
        #expect(dangling.isEmpty, "dangling: \(dangling)")
        #expect(OpenAPIReferences.all(in: json).count > 10)
        // And the checker does notice a dangling one.
        var broken = json.objectValue!
        broken["extra"] = ["$ref": "#/components/schemas/Nowhere"]
        #expect(OpenAPIReferences.dangling(in: .object(broken)) == ["#/components/schemas/Nowhere"])
    }

    @Test func conflictingDeclarationsAreReported() {
        var router = Router<Probe>()
        let ok: Route<Probe>.Handler = { _, _ in .empty(.noContent) }
        router.add(
            Route(
                "POST", "/a",
                Operation(
                    body: ObjectSchema(
                        name: "Same",
                        fields: [
                            FieldSchema("x", .string(StringRule()))
                        ])), handler: ok))
        router.add(
            Route(
                "POST", "/b",
                Operation(
                    body: ObjectSchema(
                        name: "Same",
                        fields: [
                            FieldSchema("y", .string(StringRule()))
                        ])), handler: ok))
        router.add(Route("GET", "/a", Operation(name: "x"), handler: ok))
        router.add(Route("GET", "/a", Operation(name: "y"), handler: ok))
        let document = OpenAPIDocument(routes: router.routes, tokenURL: "/token")
        #expect(document.problems == ["two different schemas are named Same", "GET /a is declared twice"])
        #expect(document.operationCount == 3)
    }

    @Test func operationIDsLikeFastAPI() {
        #expect(
            OpenAPIDocument.operationID(name: "login", path: "/api/v1/auth/token", method: "POST")
                == "login_api_v1_auth_token_post")
        #expect(OpenAPIDocument.operationID(name: "x", path: "/a-b/{c}", method: "get") == "x_a_b__c__get")
        #expect(OpenAPIDocument.title("password_confirm") == "Password Confirm")
    }

    // MARK: - Pages

    @Test func pagesUseFastAPIsCDNByDefault() {
        let assets = DocsAssets(baseURL: nil)
        #expect(assets == .cdn)
        #expect(DocsAssets(baseURL: "") == .cdn)
        let swagger = DocsPages.swaggerUI(title: "MyAPI", openAPIURL: "/openapi.json", assets: assets)
        #expect(swagger.contains("<title>MyAPI - Swagger UI</title>"))
        #expect(swagger.contains("src=\"https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js\""))
        #expect(swagger.contains("href=\"https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui.css\""))
        #expect(swagger.contains("url: \"/openapi.json\""))
        let redoc = DocsPages.redoc(title: "MyAPI", openAPIURL: "/openapi.json", assets: assets)
        #expect(redoc.contains("<redoc spec-url=\"/openapi.json\"></redoc>"))
        #expect(redoc.contains("src=\"https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js\""))
        #expect(redoc.contains("fonts.googleapis.com"))
    }

    @Test func pagesWithLocalAssets() {
        let assets = DocsAssets(baseURL: "http://127.0.0.1:9000/static/")
        #expect(assets.swaggerJS == "http://127.0.0.1:9000/static/swagger-ui-bundle.js")
        #expect(assets.swaggerCSS == "http://127.0.0.1:9000/static/swagger-ui.css")
        #expect(assets.redocJS == "http://127.0.0.1:9000/static/redoc.standalone.js")
        #expect(assets.favicon == "http://127.0.0.1:9000/static/favicon.png")
        let redoc = DocsPages.redoc(title: "MyAPI", openAPIURL: "/openapi.json", assets: assets)
        #expect(!redoc.contains("googleapis"))
        #expect(!redoc.contains("jsdelivr"))
    }

    @Test func pagesEscapeTheTitle() {
        let page = DocsPages.swaggerUI(title: "<script>\"x\" & 'y'", openAPIURL: "/a</script>", assets: .cdn)
        #expect(page.contains("<title>&lt;script&gt;&quot;x&quot; &amp; &#39;y&#39; - Swagger UI</title>"))
        #expect(page.contains("url: \"/a\\u003c/script>\""))
        #expect(!page.contains("<script>\""))
    }
}
