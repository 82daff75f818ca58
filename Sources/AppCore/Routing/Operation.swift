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

    public init(summary: String = "", tags: [String] = [], parameters: [Parameter] = [],
                body: ObjectSchema? = nil, bodyFormat: BodyFormat = .json, successStatus: HTTPStatus = .ok) {
        self.summary = summary
        self.tags = tags
        self.parameters = parameters
        self.body = body
        self.bodyFormat = bodyFormat
        self.successStatus = successStatus
    }
}
