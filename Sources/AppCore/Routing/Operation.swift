import JSON
/// What one route declares about itself: parameters, body, status and texts for the docs.
/// The router validates requests from it, and the OpenAPI document is generated from it.
public struct Operation: Sendable {
    /// How the request body is encoded.
    public enum BodyFormat: Sendable {
        /// `application/json`
        case json
        /// `application/x-www-form-urlencoded` (OAuth2's password form); every field is text.
        case form
    }

    public var summary: String
    public var tags: [String]
    public var parameters: [Parameter]
    /// A JSON request body validated before the handler runs.
    public var body: ObjectSchema?
    public var bodyFormat: BodyFormat
    public var successStatus: HTTPStatus
    /// Which rate-limit rules count this operation (`.general` unless it says otherwise).
    public var rateLimit: RateLimitClass

    // Documentation only: read by `OpenAPIDocument`, never by the router.

    /// The handler's name as FastAPI would know it (`list_items`): the operationId is built from
    /// it, the path and the method (`list_items_api_v1_items__get`). Nil: derived from method and path.
    public var name: String?
    /// A longer text than the summary.
    public var description: String?
    /// Who may call it: enforced by the route, shown in the document (`OAuth2PasswordBearer`,
    /// 401 and 403) when it is not `.anyone`.
    public var access: Access
    /// The schema of the success body (FastAPI's `response_model`); nil: not described.
    public var response: Schema?
    /// The media type of the success body.
    public var responseContentType: String
    /// Further answers of this operation (404, 409, …) besides those every operation of its
    /// kind can give, which the document adds by itself (422, 401/403, 413/415, 429, 503, 504).
    public var responses: [Int: ResponseDoc]
    /// False for the documentation pages themselves (FastAPI's `include_in_schema=False`).
    public var includeInSchema: Bool
    /// An example request body (FastAPI's `Body(examples=...)`); nil: the body schema's own example.
    public var bodyExample: JSONValue?

    public init(
        summary: String = "", tags: [String] = [], parameters: [Parameter] = [],
        body: ObjectSchema? = nil, bodyFormat: BodyFormat = .json, successStatus: HTTPStatus = .ok,
        rateLimit: RateLimitClass = .general, name: String? = nil, description: String? = nil, access: Access = .anyone,
        response: Schema? = nil, responseContentType: String = "application/json",
        responses: [Int: ResponseDoc] = [:], includeInSchema: Bool = true, bodyExample: JSONValue? = nil
    ) {
        self.summary = summary
        self.tags = tags
        self.parameters = parameters
        self.body = body
        self.bodyFormat = bodyFormat
        self.successStatus = successStatus
        self.rateLimit = rateLimit
        self.name = name
        self.description = description
        self.access = access
        self.response = response
        self.responseContentType = responseContentType
        self.responses = responses
        self.includeInSchema = includeInSchema
        self.bodyExample = bodyExample
    }
}

extension Operation {
    /// What the policies see of this operation.
    public var traits: RouteTraits { RouteTraits(rateLimit: rateLimit) }
}

/// One documented answer of an operation other than its success (FastAPI's `responses=`).
public struct ResponseDoc: Sendable {
    public var description: String
    /// The body's schema; nil for an answer without a body (304).
    public var schema: Schema?
    public var contentType: String
    public var example: JSONValue?
    /// Response header fields: name → description.
    public var headers: [(name: String, description: String)]

    public init(
        _ description: String, schema: Schema? = nil, contentType: String = "application/json",
        example: JSONValue? = nil, headers: [(name: String, description: String)] = []
    ) {
        self.description = description
        self.schema = schema
        self.contentType = contentType
        self.example = example
        self.headers = headers
    }

    /// An error answered as `{"detail": "..."}` (`HTTPError`), with its message as the example.
    public static func error(
        _ description: String, detail: String? = nil,
        headers: [(name: String, description: String)] = []
    ) -> ResponseDoc {
        ResponseDoc(
            description, schema: .object(OpenAPISchemas.httpError),
            example: detail.map { ["detail": .string($0)] }, headers: headers)
    }

    /// An answer without a body.
    public static func empty(_ description: String, headers: [(name: String, description: String)] = []) -> ResponseDoc {
        ResponseDoc(description, headers: headers)
    }
}
