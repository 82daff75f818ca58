/// A complete response: status, header fields and body bytes.
public struct Response: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response from bytes already serialised.
    public static func json(_ status: HTTPStatus = .ok, bytes: [UInt8]) -> Response {
        Response(status: status, headers: ["Content-Type": "application/json"], body: bytes)
    }

    /// A JSON response from a value.
    public static func json(_ status: HTTPStatus = .ok, _ value: JSONValue) -> Response {
        json(status, bytes: value.serialized())
    }

    /// A JSON response written with the streaming builder.
    public static func json(_ status: HTTPStatus = .ok, write: (inout JSONWriter) -> Void) -> Response {
        var writer = JSONWriter()
        write(&writer)
        return json(status, bytes: writer.bytes)
    }

    /// A response without a body (204, 304).
    public static func empty(_ status: HTTPStatus) -> Response {
        Response(status: status)
    }
}
