import JSON
import Testing
import AppCore
import Handlers
import Logging

/// The document of the real router (`Routes.makeRouter()`): every route is in it, every
/// reference resolves, and `/openapi.json`, `/docs`, `/redoc` answer. No database is needed.
struct OpenAPIRoutesTests {
    static func context(_ extra: [String: String] = [:]) throws -> AppContext {
        var environment = ["SECRET_KEY": "openapi-test-secret", "APP_NAME": "Docs Test API", "APP_VERSION": "9.8.7"]
        environment.merge(extra) { $1 }
        let configuration = try AppConfiguration(SettingsReader(environment: environment))
        return AppContext(
            configuration: configuration, database: Database(conninfo: configuration.databaseURL),
            logger: Logger(label: "openapi-test"))
    }

    static func get(_ path: String, context: AppContext) throws -> Response {
        try Routes.makeRouter().respond(to: Request(method: "GET", path: path, id: "openapi-test"), context: context)
    }

    static func servedDocument() throws -> JSONValue {
        let response = try get("/openapi.json", context: context())
        #expect(response.status.code == 200)
        #expect(response.headers["Content-Type"] == "application/json")
        return try JSONParser.parse(response.body)
    }

    @Test func everyRouteIsDocumented() throws {
        let router = Routes.makeRouter()
        let documented = router.routes.filter { $0.operation.includeInSchema }
        let document = OpenAPIDocument(routes: router.routes, tokenURL: DocsController.tokenURL)
        #expect(document.problems.isEmpty, "\(document.problems)")
        // Health 2, auth 4, users 4, items 5 at least; more as routes are added.
        #expect(documented.count >= 15)
        #expect(document.operationCount == documented.count)

        let json = try Self.servedDocument()
        var operationIDs = Set<String>()
        var counted = 0
        for (_, item) in json["paths"]!.objectValue! { counted += item.objectValue!.count }
        #expect(counted == documented.count)
        for route in documented {
            let operation = json["paths"]?[route.path.description]?[route.method.lowercased()]
            #expect(operation != nil, "\(route.method) \(route.path) missing")
            guard let operation else { continue }
            let id = operation["operationId"]?.stringValue ?? ""
            #expect(!id.isEmpty && operationIDs.insert(id).inserted, "operationId \(id)")
            #expect(operation["summary"]?.stringValue?.isEmpty == false, "\(route.method) \(route.path) has no summary")
            #expect(operation["responses"]?[String(route.operation.successStatus.code)] != nil)
            #expect((operation["security"] != nil) == route.operation.access.needsToken, "\(route.method) \(route.path) security")
            // Each path variable is a declared parameter (with its real schema, not the fallback).
            for name in route.path.captureNames {
                let parameter = operation["parameters"]?.arrayValue?.first { $0["name"]?.stringValue == name }
                #expect(parameter?["in"] == "path")
                #expect(
                    route.operation.parameters.contains { $0.name == name && $0.location == .path },
                    "\(name) of \(route.path) is undeclared")
            }
            if route.operation.body != nil || !route.operation.parameters.isEmpty {
                #expect(operation["responses"]?["422"] != nil)
            }
        }
        // The docs' own routes are not in the document (FastAPI's include_in_schema=False).
        #expect(json["paths"]?["/openapi.json"] == nil)
        #expect(json["paths"]?["/docs"] == nil)
    }

    @Test func noDanglingReferences() throws {
        let json = try Self.servedDocument()
        #expect(OpenAPIReferences.dangling(in: json).isEmpty, "\(OpenAPIReferences.dangling(in: json))")
        // Every component schema is used somewhere.
        let referenced = Set(OpenAPIReferences.all(in: json))
        for name in json["components"]?["schemas"]?.objectValue?.keys ?? [] {
            #expect(referenced.contains("#/components/schemas/" + name), "\(name) unused")
        }
    }

    @Test func infoComesFromTheConfiguration() throws {
        let json = try Self.servedDocument()
        #expect(json["openapi"] == "3.1.0")
        #expect(json["info"] == ["title": "Docs Test API", "description": "FastAPI完全ガイドのサンプルAPI", "version": "9.8.7"])
    }

    @Test func contractDetails() throws {
        let json = try Self.servedDocument()
        let schemas = json["components"]?["schemas"]
        #expect(
            json["components"]?["securitySchemes"]?["OAuth2PasswordBearer"]?["flows"]?["password"]?["tokenUrl"]
                == "/api/v1/auth/token")
        let login = json["paths"]?["/api/v1/auth/token"]?["post"]
        #expect(login?["operationId"] == "login_api_v1_auth_token_post")
        #expect(
            login?["requestBody"]?["content"]?["application/x-www-form-urlencoded"]?["schema"]?["$ref"]
                == "#/components/schemas/Body_login_api_v1_auth_token_post")
        #expect(login?["responses"]?["200"]?["content"]?["application/json"]?["schema"]?["$ref"] == "#/components/schemas/Token")
        #expect(login?["responses"]?["401"] != nil)

        let list = json["paths"]?["/api/v1/items/"]?["get"]
        #expect(list?["operationId"] == "list_items_api_v1_items__get")
        #expect(list?["security"] == nil)
        let perPage = list?["parameters"]?.arrayValue?.first { $0["name"] == "per_page" }
        #expect(perPage?["schema"]?["minimum"] == 1)
        #expect(perPage?["schema"]?["maximum"] == 100)
        #expect(perPage?["schema"]?["default"] == 20)

        let create = json["paths"]?["/api/v1/items/"]?["post"]
        #expect(create?["security"] == [["OAuth2PasswordBearer": []]])
        #expect(
            create?["responses"]?["201"]?["content"]?["application/json"]?["schema"]?["$ref"]
                == "#/components/schemas/ItemResponse")
        #expect(schemas?["ItemCreate"]?["properties"]?["title"]?["maxLength"] == 200)
        #expect(schemas?["UserCreate"]?["properties"]?["username"]?["pattern"] == "^[a-zA-Z0-9_-]+$")
        #expect(schemas?["UserCreate"]?["properties"]?["email"]?["format"] == "email")
        #expect(schemas?["UserUpdate"]?["additionalProperties"] == false)
        #expect(json["paths"]?["/api/v1/auth/register"]?["post"]?["responses"]?["409"] != nil)
        #expect(json["paths"]?["/api/v1/items/{item_id}"]?["patch"]?["responses"]?["412"] != nil)
        #expect(
            json["paths"]?["/api/v1/users/{user_id}"]?["delete"]?["responses"]?["403"]?["content"]?["application/json"]?[
                "example"]
                == ["detail": "管理者権限が必要です"])
        let user = schemas?["UserResponse"]?["properties"]?.objectValue?.keys ?? []
        #expect(
            Set(user) == ["id", "username", "email", "full_name", "age", "is_active", "created_at", "updated_at", "display_name"])
        let item = schemas?["ItemResponse"]?["properties"]?.objectValue?.keys ?? []
        #expect(Set(item) == ["id", "title", "description", "price", "owner_id", "created_at"])
    }

    /// What generated clients need of the real document (82-generated-clients.sh builds them).
    @Test func formsGeneratedClientsRead() throws {
        let json = try Self.servedDocument()
        let schemas = json["components"]?["schemas"]
        // Nullability as type arrays; no `{"type": "null"}` branch (swift-openapi-generator skips it).
        #expect(!Self.containsNullBranch(json))
        #expect(schemas?["ItemCreate"]?["properties"]?["description"]?["type"] == ["string", "null"])
        #expect(schemas?["ItemResponse"]?["properties"]?["description"]?["type"] == ["string", "null"])
        #expect(schemas?["UserCreate"]?["properties"]?["age"]?["type"] == ["integer", "null"])
        #expect(schemas?["UserResponse"]?["properties"]?["full_name"]?["type"] == ["string", "null"])
        #expect(schemas?["CampaignTaskStatus"]?["properties"]?["result"]?["$ref"] == "#/components/schemas/CampaignResult")
        #expect(schemas?["CampaignResult"]?["type"] == ["object", "null"])
        // The login form cannot send null: plain optional text.
        #expect(schemas?["Body_login_api_v1_auth_token_post"]?["properties"]?["client_id"]?["type"] == "string")

        // Every schema a response refers to is open; request bodies keep what the validator does.
        var sent = Set<String>()
        for (_, item) in json["paths"]!.objectValue! {
            for (_, operation) in item.objectValue! {
                for (_, response) in operation["responses"]?.objectValue ?? [:] {
                    Self.collectSchemas(response, in: json, into: &sent)
                }
            }
        }
        #expect(sent.isSuperset(of: ["ItemResponse", "UserResponse", "CampaignTaskStatus", "CampaignResult", "Token"]))
        for name in sent {
            #expect(schemas?[name]?["additionalProperties"] == nil, "\(name) is sent but closed")
        }
        #expect(schemas?["ItemUpdate"]?["additionalProperties"] == false)

        // Every timestamp: date-time, always six fractional digits, the offset written out.
        for (name, schema) in schemas?.objectValue ?? [:] {
            for (field, property) in schema["properties"]?.objectValue ?? [:] where field.hasSuffix("_at") {
                #expect(property["format"] == "date-time", "\(name).\(field)")
                #expect(property["pattern"]?.stringValue?.contains(#"\.[0-9]{6}\+00:00$"#) == true, "\(name).\(field)")
            }
        }
    }

    /// Whether a `{"type": "null"}` schema (an `anyOf`/`oneOf` branch) is anywhere in `value`.
    static func containsNullBranch(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let object): object["type"] == "null" || object.values.contains(where: containsNullBranch)
        case .array(let elements): elements.contains(where: containsNullBranch)
        default: false
        }
    }

    /// The names of the component schemas `value` refers to, directly or through other components.
    static func collectSchemas(_ value: JSONValue, in document: JSONValue, into names: inout Set<String>) {
        for reference in OpenAPIReferences.all(in: value) {
            let target = OpenAPIReferences.resolve(reference, in: document)
            if reference.hasPrefix("#/components/schemas/") {
                guard names.insert(String(reference.dropFirst("#/components/schemas/".count))).inserted else { continue }
            }
            if let target { collectSchemas(target, in: document, into: &names) }
        }
    }

    @Test func docsPages() throws {
        let cdn = try Self.get("/docs", context: Self.context())
        #expect(cdn.status.code == 200)
        #expect(cdn.headers["Content-Type"] == "text/html; charset=utf-8")
        let page = String(decoding: cdn.body, as: UTF8.self)
        #expect(page.contains("https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"))
        #expect(page.contains("<title>Docs Test API - Swagger UI</title>"))
        #expect(page.contains("\"/openapi.json\""))

        let local = try Self.context(["DOCS_ASSETS_URL": "/static/docs"])
        let redoc = try Self.get("/redoc", context: local)
        #expect(redoc.status.code == 200)
        #expect(redoc.headers["Content-Type"] == "text/html; charset=utf-8")
        let text = String(decoding: redoc.body, as: UTF8.self)
        #expect(text.contains("src=\"/static/docs/redoc.standalone.js\""))
        #expect(text.contains("spec-url=\"/openapi.json\""))
        let swagger = String(decoding: try Self.get("/docs", context: local).body, as: UTF8.self)
        #expect(swagger.contains("src=\"/static/docs/swagger-ui-bundle.js\""))
        #expect(!swagger.contains("jsdelivr"))
    }
}
