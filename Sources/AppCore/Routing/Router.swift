/// Finds the route for a request, validates its declared parameters and body (reporting every
/// problem at once), and calls the handler.
///
/// ```swift
/// var router = Router<AppContext>()
/// router.add(Route("GET", "/api/v1/items/{item_id}",
///                  Operation(parameters: [.path("item_id", .integer(.databaseID))])) { input, context in
///     try context.items.find(id: input.int("item_id")!)
/// })
/// ```
public struct Router<Context>: Sendable {
    public private(set) var routes: [Route<Context>] = []

    public init() {}

    public mutating func add(_ route: Route<Context>) {
        routes.append(route)
    }

    /// The response of the matching route. Client mistakes are thrown as `HTTPError` or
    /// `ValidationError`; anything else the handler throws is passed on.
    public func respond(to request: Request, context: Context) throws -> Response {
        let (parts, trailingSlash) = Self.split(request.path)
        // Methods of the paths that match, most literal first: `/users/me` answers for itself,
        // not for `/users/{user_id}` (as Starlette picks the first partial match).
        var allowed: [String] = []
        var allowedSpecificity = -1
        for route in routes {
            guard let captures = route.path.match(parts, trailingSlash: trailingSlash) else { continue }
            guard route.method == request.method || (request.method == "HEAD" && route.method == "GET") else {
                let specificity = route.path.literalCount
                if specificity > allowedSpecificity {
                    allowed = []
                    allowedSpecificity = specificity
                }
                if specificity == allowedSpecificity { allowed.append(route.method) }
                continue
            }
            let input = try Self.validate(request, captures: captures, operation: route.operation)
            return try route.handler(input, context)
        }
        if !allowed.isEmpty {
            throw HTTPError(.methodNotAllowed, .methodNotAllowed, headers: ["Allow": allowed.joined(separator: ", ")])
        }
        // Like Starlette's redirect_slashes: `/api/v1/items` → `/api/v1/items/`.
        if request.path != "/", routes.contains(where: { $0.path.match(parts, trailingSlash: !trailingSlash) != nil }) {
            var location = trailingSlash ? String(request.path.dropLast()) : request.path + "/"
            if !request.query.pairs.isEmpty, let raw = request.rawQuery { location += "?" + raw }
            return Response(status: HTTPStatus(code: 307, reason: "Temporary Redirect"),
                            headers: ["Location": location, "Content-Type": "application/json"], body: [])
        }
        throw HTTPError(.notFound, .notFound)
    }

    static func split(_ path: String) -> ([Substring], Bool) {
        // On UTF-8 bytes: '/' never occurs inside a multi-byte character, and splitting by
        // Character would walk grapheme clusters on every request.
        let bytes = path.utf8
        let parts = bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true).map { Substring($0) }
        return (parts, bytes.count > 1 && bytes.last == UInt8(ascii: "/"))
    }

    static func validate(_ request: Request, captures: [(String, String)], operation: Operation) throws -> RouteInput {
        var issues: [ValidationIssue] = []
        var values: [String: JSONValue] = [:]
        for parameter in operation.parameters {
            let location = [parameter.location.rawValue, parameter.name]
            let raw: String? = switch parameter.location {
            case .path: captures.first { $0.0 == parameter.name }?.1
            case .query: request.query[parameter.name]
            case .header: request.headers[parameter.name.replacingUnderscores()]
            }
            guard let raw else {
                if parameter.required {
                    issues.append(.missing(location))
                } else if let defaultValue = parameter.defaultValue {
                    values[parameter.name] = defaultValue
                }
                continue
            }
            values[parameter.name] = SchemaValidator.validate(text: raw, against: parameter.schema,
                                                              at: location, issues: &issues)
        }
        var body: JSONObject? = nil
        if let schema = operation.body {
            switch operation.bodyFormat {
            case .json: body = try decodeBody(request, schema: schema, issues: &issues)
            case .form: body = try decodeForm(request, schema: schema, issues: &issues)
            }
        }
        guard issues.isEmpty else { throw ValidationError(issues) }
        return RouteInput(request: request, parameters: values, body: body)
    }

    static func decodeBody(_ request: Request, schema: ObjectSchema, issues: inout [ValidationIssue]) throws -> JSONObject? {
        if request.body.isEmpty {
            issues.append(.missing(["body"]))
            return nil
        }
        if let type = request.mediaType, type != "application/json", !type.hasSuffix("+json") {
            throw HTTPError(.unsupportedMediaType, .unsupportedMediaType)
        }
        let parsed: JSONValue
        do {
            parsed = try JSONParser.parse(request.body)
        } catch {
            issues.append(ValidationIssue(location: ["body", String(error.offset)], type: "json_invalid",
                                          message: Message("JSON decode error: \(error.message)")))
            return nil
        }
        let value = SchemaValidator.validate(parsed, against: .object(schema), at: ["body"], issues: &issues)
        return value.objectValue
    }
}

extension Router {
    /// A urlencoded form: each field is text (validated like a query parameter would be).
    static func decodeForm(_ request: Request, schema: ObjectSchema, issues: inout [ValidationIssue]) throws -> JSONObject? {
        if let type = request.mediaType, type != "application/x-www-form-urlencoded", !request.body.isEmpty {
            throw HTTPError(.unsupportedMediaType, .unsupportedFormMediaType)
        }
        let form = QueryParameters(parsing: String(decoding: request.body, as: UTF8.self))
        var output = JSONObject()
        for field in schema.fields {
            let location = ["body", field.name]
            guard let raw = form[field.name] else {
                if field.required {
                    issues.append(.missing(location))
                } else if let defaultValue = field.defaultValue {
                    output[field.name] = defaultValue
                }
                continue
            }
            let fieldIssues = issues.count
            let value = SchemaValidator.validate(text: raw, against: field.schema, at: location, issues: &issues)
            if issues.count == fieldIssues {
                SchemaValidator.runFieldValidator(field, on: value, at: location, issues: &issues)
            }
            output[field.name] = value
        }
        return output
    }
}

extension String {
    /// FastAPI's header parameter names: `user_agent` reads the `user-agent` header.
    func replacingUnderscores() -> String {
        String(map { $0 == "_" ? "-" : $0 })
    }
}
