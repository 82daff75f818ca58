/// An error whose message is meant for the client: it becomes `{"detail": "..."}` with its status.
///
/// Only this type (and `ValidationError`) reaches clients; every other error is answered with a
/// generic 500 and logged with the request id.
public struct HTTPError: Error, Sendable {
    public let status: HTTPStatus
    public let message: Message
    public let headers: HTTPHeaders

    public init(_ status: HTTPStatus, _ message: Message, headers: HTTPHeaders = HTTPHeaders()) {
        self.status = status
        self.message = message
        self.headers = headers
    }

    /// The response in the client's language.
    public func response(language: MessageLanguage) -> Response {
        var response = Response.json(status) { json in
            json.beginObject()
            json.key("detail")
            json.value(message.text(in: language))
            json.endObject()
        }
        for field in headers { response.headers.add(field.name, field.value) }
        return response
    }
}
