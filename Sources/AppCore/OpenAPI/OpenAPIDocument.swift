import JSON
/// The title block of the document (`info`), from the configuration.
public struct OpenAPIInfo: Sendable {
    public var title: String
    public var version: String
    public var description: String?

    public init(title: String, version: String, description: String? = nil) {
        self.title = title
        self.version = version
        self.description = description
    }
}

/// An OpenAPI 3.1 document generated from a router's routes, the way FastAPI builds its own:
/// every route's `Operation` (parameters, body schema, success status, response schema, auth,
/// further responses) becomes an operation, every `ObjectSchema` met on the way a component
/// schema, referenced with `$ref`. Nothing is declared twice: a route added to the router is in
/// the document with exactly the constraints the router validates with.
///
/// Paths and components are built once (at start-up); `json(info:)` adds the `info` block,
/// which comes from the configuration.
public struct OpenAPIDocument: Sendable {
    public static let openAPIVersion = "3.1.0"
    /// The security scheme of operations whose `access` needs a token (FastAPI's name for it).
    public static let securitySchemeName = "OAuth2PasswordBearer"

    public let paths: JSONObject
    public let components: JSONObject
    /// The number of operations in `paths`.
    public let operationCount: Int
    /// Declarations the document cannot express faithfully (two different schemas under one
    /// component name, a repeated operationId). Empty for a sound router; the tests check it.
    public let problems: [String]

    /// - Parameters:
    ///   - routes: the router's routes, in order (`router.routes`).
    ///   - tokenURL: where `OAuth2PasswordBearer` gets tokens (the OAuth2 password form).
    public init<Context>(routes: [Route<Context>], tokenURL: String) {
        var builder = Builder()
        var paths = JSONObject()
        var count = 0
        var operationIDs = Set<String>()
        for route in routes where route.operation.includeInSchema {
            let path = route.path.description
            let method = route.method.lowercased()
            let operation = builder.operation(route.operation, method: route.method, path: route.path)
            if let id = operation["operationId"]?.stringValue, !operationIDs.insert(id).inserted {
                builder.problems.append("operationId \(id) is used twice")
            }
            var item = paths[path]?.objectValue ?? JSONObject()
            if item.contains(key: method) {
                builder.problems.append("\(route.method) \(path) is declared twice")
                continue
            }
            item[method] = .object(operation)
            paths[path] = .object(item)
            count += 1
        }
        var components = JSONObject()
        components["schemas"] = .object(builder.schemas)
        components["responses"] = .object(builder.sharedResponses())
        components["securitySchemes"] = [
            Self.securitySchemeName: [
                "type": "oauth2",
                "flows": ["password": ["scopes": [:], "tokenUrl": .string(tokenURL)]],
            ]
        ]
        self.paths = paths
        self.components = components
        self.operationCount = count
        self.problems = builder.problems
    }

    /// The whole document.
    public func json(info: OpenAPIInfo) -> JSONValue {
        var infoObject: JSONObject = ["title": .string(info.title)]
        if let description = info.description { infoObject["description"] = .string(description) }
        infoObject["version"] = .string(info.version)
        return [
            "openapi": .string(Self.openAPIVersion),
            "info": .object(infoObject),
            "paths": .object(paths),
            "components": .object(components),
        ]
    }

    /// FastAPI's operationId: the handler name, the path and the method, every character that
    /// is not a letter, digit or underscore replaced by `_` (`list_items_api_v1_items__get`).
    public static func operationID(name: String, path: String, method: String) -> String {
        let text = name + path
        let cleaned = String(
            text.unicodeScalars.map { scalar -> Character in
                let v = scalar.value
                let word = (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x5F
                return word ? Character(scalar) : "_"
            })
        return cleaned + "_" + method.lowercased()
    }

    /// A field title as Pydantic writes it: `password_confirm` → `Password Confirm`.
    static func title(_ name: String) -> String {
        name.split(separator: "_").map { word in word.prefix(1).uppercased() + word.dropFirst() }.joined(separator: " ")
    }
}

// MARK: - Building

extension OpenAPIDocument {
    /// Component responses every operation refers to: answers that any request can meet.
    enum Shared: String, CaseIterable {
        case tooManyRequests = "TooManyRequests"
        case serviceUnavailable = "ServiceUnavailable"
        case gatewayTimeout = "GatewayTimeout"

        var status: Int {
            switch self {
            case .tooManyRequests: 429
            case .serviceUnavailable: 503
            case .gatewayTimeout: 504
            }
        }

        var doc: ResponseDoc {
            switch self {
            case .tooManyRequests:
                .error(
                    "レート制限に達しました（クライアントごと）", detail: "レート制限に達しました",
                    headers: [("Retry-After", "再試行できるまでの秒数")])
            case .serviceUnavailable:
                .error(
                    "データベースまたはワーカーに接続できません", detail: Message.databaseUnavailable.japanese,
                    headers: [("Retry-After", "再試行までの秒数")])
            case .gatewayTimeout:
                .error("処理が制限時間を超えました")
            }
        }
    }

    struct Builder {
        var schemas = JSONObject()
        var problems: [String] = []
        /// Object schemas being written (a schema that contains itself is referenced, not expanded).
        var inProgress = Set<String>()

        mutating func operation(_ operation: Operation, method: String, path: PathPattern) -> JSONObject {
            var object = JSONObject()
            if !operation.tags.isEmpty { object["tags"] = .array(operation.tags.map { .string($0) }) }
            // FastAPI's default summary is the handler name in title case (`stream_data` → `Stream Data`).
            if !operation.summary.isEmpty {
                object["summary"] = .string(operation.summary)
            } else if let name = operation.name {
                object["summary"] = .string(OpenAPIDocument.title(name))
            }
            if let description = operation.description { object["description"] = .string(description) }
            let name = operation.name ?? method.lowercased()
            object["operationId"] = .string(OpenAPIDocument.operationID(name: name, path: path.description, method: method))

            var parameters: [JSONValue] = []
            var declared = Set<String>()
            for parameter in operation.parameters {
                declared.insert(parameter.name)
                parameters.append(.object(self.parameter(parameter)))
            }
            // Every path template variable must be described, even if the route forgot it.
            for capture in path.captureNames where !declared.contains(capture) {
                parameters.append([
                    "name": .string(capture), "in": "path", "required": true,
                    "schema": ["type": "string", "title": .string(OpenAPIDocument.title(capture))],
                ])
            }
            if !parameters.isEmpty { object["parameters"] = .array(parameters) }

            if let body = operation.body {
                var media: JSONObject = ["schema": reference(body, use: operation.bodyFormat == .form ? .form : .request)]
                if let example = operation.bodyExample ?? body.example { media["example"] = example }
                let type = operation.bodyFormat == .form ? "application/x-www-form-urlencoded" : "application/json"
                object["requestBody"] = ["content": [type: .object(media)], "required": true]
            }
            object["responses"] = .object(responses(operation))
            if operation.access.needsToken {
                object["security"] = [[OpenAPIDocument.securitySchemeName: []]]
            }
            return object
        }

        mutating func parameter(_ parameter: Parameter) -> JSONObject {
            var object = JSONObject()
            object["name"] = .string(parameter.location == .header ? parameter.name.replacingUnderscores() : parameter.name)
            object["in"] = .string(parameter.location.rawValue)
            object["required"] = .bool(parameter.required)
            var schema = self.schema(parameter.schema, use: .request)
            schema["title"] = .string(OpenAPIDocument.title(parameter.name))
            if let description = parameter.description { schema["description"] = .string(description) }
            if let defaultValue = parameter.defaultValue { schema["default"] = defaultValue }
            object["schema"] = .object(schema)
            if let description = parameter.description { object["description"] = .string(description) }
            return object
        }

        mutating func responses(_ operation: Operation) -> JSONObject {
            var docs: [Int: JSONObject] = [:]
            let success = operation.successStatus.code
            var successObject: JSONObject = ["description": "Successful Response"]
            if success != 204 && success != 304 {
                let schema: JSONObject = operation.response.map { self.schema($0, use: .response) } ?? [:]
                successObject["content"] = [operation.responseContentType: ["schema": .object(schema)]]
            }
            docs[success] = successObject

            var errors: [Int: ResponseDoc] = [:]
            if operation.access.needsToken {
                errors[401] = .error(
                    "認証されていません（トークンがない、無効、期限切れ）", detail: Message.notAuthenticated.japanese,
                    headers: [("WWW-Authenticate", "Bearer")])
                errors[403] = .error("アカウントが無効です", detail: Message.inactiveAccount.japanese)
            }
            if operation.body != nil {
                errors[413] = .error("リクエストボディが大きすぎます", detail: Message.bodyTooLarge.japanese)
                if operation.bodyFormat == .json {
                    // A form operation reads any other body as an empty form (422 `missing`).
                    errors[415] = .error("Content-Type が違います", detail: Message.unsupportedMediaType.japanese)
                }
            }
            if operation.body != nil || !operation.parameters.isEmpty {
                errors[422] = ResponseDoc("Validation Error", schema: .object(OpenAPISchemas.httpValidationError))
            }
            for (status, doc) in operation.responses { errors[status] = doc }
            for (status, doc) in errors where status != success { docs[status] = response(doc) }

            var result = JSONObject()
            let shared = Dictionary(uniqueKeysWithValues: Shared.allCases.map { ($0.status, $0) })
            for status in Set(docs.keys).union(shared.keys).sorted() {
                if let doc = docs[status] {
                    result[String(status)] = .object(doc)
                } else if let common = shared[status] {
                    result[String(status)] = ["$ref": .string("#/components/responses/" + common.rawValue)]
                }
            }
            return result
        }

        mutating func response(_ doc: ResponseDoc) -> JSONObject {
            var object: JSONObject = ["description": .string(doc.description)]
            if !doc.headers.isEmpty {
                var headers = JSONObject()
                for header in doc.headers {
                    headers[header.name] = ["description": .string(header.description), "schema": ["type": "string"]]
                }
                object["headers"] = .object(headers)
            }
            if let schema = doc.schema {
                var media: JSONObject = ["schema": .object(self.schema(schema, use: .response))]
                if let example = doc.example { media["example"] = example }
                object["content"] = [doc.contentType: .object(media)]
            }
            return object
        }

        mutating func sharedResponses() -> JSONObject {
            var result = JSONObject()
            for common in Shared.allCases { result[common.rawValue] = .object(response(common.doc)) }
            return result
        }
    }
}
