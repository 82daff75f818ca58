import JSON
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

    /// Where a request goes, found before any policy runs so that the policies see the
    /// operation (the rate limit keys its login rule on it, not on the path text).
    public enum Resolution {
        /// The route and its captured path parameters.
        case route(Route<Context>, captures: [(String, String)])
        /// A redirect: `/items` → `/items/` (307, as Starlette's `redirect_slashes`), or a
        /// non-canonical path (`//api/v1/items/`) → its canonical form (308).
        case redirect(Response)
        /// The path exists for other methods (405 with `Allow`).
        case methodNotAllowed(allowed: [String])
        case notFound

        /// The traits of the operation, nil when the request reaches none.
        public var traits: RouteTraits? {
            if case .route(let route, _) = self { return route.operation.traits }
            return nil
        }
    }

    /// The response of the matching route. Client mistakes are thrown as `HTTPError` or
    /// `ValidationError`; anything else the handler throws is passed on.
    public func respond(to request: Request, context: Context) throws -> Response {
        try respond(to: request, resolution: resolve(request), context: context)
    }

    /// Runs what `resolve` found: parses a JSON body, has the route authenticate the caller,
    /// validates the declared parameters and body, calls the handler (see `Route` for the order).
    public func respond(to request: Request, resolution: Resolution, context: Context) throws -> Response {
        switch resolution {
        case .route(let route, let captures):
            let operation = route.operation
            let json = try Self.parseJSONBody(request, operation: operation)
            return try route.run(request, context) {
                try Self.validate(request, captures: captures, operation: operation, parsedJSON: json)
            }
        case .redirect(let response):
            return response
        case .methodNotAllowed(let allowed):
            throw HTTPError(.methodNotAllowed, .methodNotAllowed, headers: ["Allow": allowed.joined(separator: ", ")])
        case .notFound:
            throw HTTPError(.notFound, .notFound)
        }
    }

    /// Matches the request's path and method against the routes (nothing is validated yet).
    public func resolve(_ request: Request) -> Resolution {
        let path = CanonicalPath(request.path)
        guard path.isCanonical else {
            // One form per operation: a path with empty or dot segments is sent to its
            // canonical form when that form exists, else it does not exist either.
            guard
                routes.contains(where: {
                    $0.path.match(path.segments, trailingSlash: path.trailingSlash) != nil
                        || $0.path.match(path.segments, trailingSlash: !path.trailingSlash) != nil
                })
            else { return .notFound }
            return .redirect(Self.redirect(308, "Permanent Redirect", to: path.location(query: request.rawQuery)))
        }
        // Methods of the paths that match, most literal first: `/users/me` answers for itself,
        // not for `/users/{user_id}` (as Starlette picks the first partial match).
        var allowed: [String] = []
        var allowedSpecificity = -1
        for route in routes {
            guard let captures = route.path.match(path.segments, trailingSlash: path.trailingSlash) else { continue }
            guard route.method == request.method || (request.method == "HEAD" && route.method == "GET") else {
                let specificity = route.path.literalCount
                if specificity > allowedSpecificity {
                    allowed = []
                    allowedSpecificity = specificity
                }
                if specificity == allowedSpecificity { allowed.append(route.method) }
                continue
            }
            return .route(route, captures: captures)
        }
        if !allowed.isEmpty { return .methodNotAllowed(allowed: allowed) }
        // Like Starlette's redirect_slashes: `/api/v1/items` → `/api/v1/items/`.
        if !path.segments.isEmpty,
            routes.contains(where: { $0.path.match(path.segments, trailingSlash: !path.trailingSlash) != nil })
        {
            return .redirect(
                Self.redirect(
                    307, "Temporary Redirect",
                    to: path.location(trailingSlash: !path.trailingSlash, query: request.rawQuery)))
        }
        return .notFound
    }

    static func redirect(_ code: Int, _ reason: String, to location: String) -> Response {
        Response(
            status: HTTPStatus(code: code, reason: reason),
            headers: ["Location": location, "Content-Type": "application/json"], body: [])
    }

    /// The body parsed as JSON when the operation takes a JSON body and the request sends one
    /// that says it is JSON (or says nothing); nil otherwise. A body that does not parse is
    /// refused here, before anything else (422 `json_invalid`).
    static func parseJSONBody(_ request: Request, operation: Operation) throws -> JSONValue? {
        guard operation.body != nil, operation.bodyFormat == .json, !request.body.isEmpty, Self.saysJSON(request) else {
            return nil
        }
        return try parseJSON(request.body)
    }

    /// `body` parsed, or a 422 `json_invalid` at the offset where parsing stopped.
    static func parseJSON(_ body: [UInt8]) throws -> JSONValue {
        do {
            return try JSONParser.parse(body)
        } catch {
            throw ValidationError([
                ValidationIssue(
                    location: ["body", String(error.offset)], type: "json_invalid",
                    message: Message("JSON decode error: \(error.message)"))
            ])
        }
    }

    /// True when the body's media type is JSON's (`application/json`, `…+json`) or not given.
    static func saysJSON(_ request: Request) -> Bool {
        guard let type = request.mediaType else { return true }
        return type == "application/json" || type.hasSuffix("+json")
    }

    static func validate(
        _ request: Request, captures: [(String, String)], operation: Operation, parsedJSON: JSONValue? = nil
    ) throws -> RouteInput {
        var issues: [ValidationIssue] = []
        var values: [String: JSONValue] = [:]
        for parameter in operation.parameters {
            let location = [parameter.location.rawValue, parameter.name]
            let raw: String? =
                switch parameter.location {
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
            values[parameter.name] = SchemaValidator.validate(
                text: raw, against: parameter.schema,
                at: location, issues: &issues)
        }
        var body: JSONObject? = nil
        if let schema = operation.body {
            switch operation.bodyFormat {
            case .json: body = try decodeBody(request, schema: schema, parsed: parsedJSON, issues: &issues)
            case .form: body = try decodeForm(request, schema: schema, issues: &issues)
            }
        }
        guard issues.isEmpty else { throw ValidationError(issues) }
        return RouteInput(request: request, parameters: values, body: body)
    }

    /// The body against its schema; `parsed` is what `parseJSONBody` made of it (parsed here
    /// when not given).
    static func decodeBody(
        _ request: Request, schema: ObjectSchema, parsed: JSONValue? = nil, issues: inout [ValidationIssue]
    ) throws -> JSONObject? {
        if request.body.isEmpty {
            issues.append(.missing(["body"]))
            return nil
        }
        guard Self.saysJSON(request) else { throw HTTPError(.unsupportedMediaType, .unsupportedMediaType) }
        let value = SchemaValidator.validate(
            try parsed ?? parseJSON(request.body), against: .object(schema), at: ["body"], issues: &issues)
        return value.objectValue
    }
}

extension Router {
    /// A urlencoded form: each field is text (validated like a query parameter would be). A body
    /// of any other type holds no form fields, so the required ones are reported `missing`: the
    /// login posted as JSON gets FastAPI's 422 for `username` and `password`, not a 415.
    static func decodeForm(_ request: Request, schema: ObjectSchema, issues: inout [ValidationIssue]) throws -> JSONObject? {
        let isForm = request.mediaType.map { $0 == "application/x-www-form-urlencoded" } ?? true
        let form = QueryParameters(parsing: isForm ? String(decoding: request.body, as: UTF8.self) : "")
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
