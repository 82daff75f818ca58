import JSON
/// A response: status, header fields and a body.
///
/// The body is normally complete bytes (`body`), sent in one write with `Content-Length`: the
/// fast, default path. A response with a `stream` instead sends its head at once, without
/// `Content-Length`, and then whatever the stream writes, each piece as it is written
/// (server-sent events).
public struct Response: Sendable {
    public var status: HTTPStatus
    public var headers: HTTPHeaders
    /// The whole body; ignored when `stream` is set.
    public var body: [UInt8]
    /// A body produced while it is sent; nil for an ordinary response.
    public var stream: ResponseStream?

    public init(status: HTTPStatus, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
        self.stream = nil
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

    /// A streamed response: `produce` runs after the head has been sent and writes the body
    /// piece by piece; every `write` reaches the client before the next piece is made.
    /// `X-Accel-Buffering: no` tells nginx not to hold the pieces back.
    ///
    /// - Parameters:
    ///   - status: the status, sent before the body exists (so it cannot change afterwards).
    ///   - contentType: the `Content-Type` header.
    ///   - produce: writes the body; it should stop when `write` returns false (the client
    ///     went away, or the request ran over its time limit).
    ///
    /// ```swift
    /// Response.streaming(contentType: "text/plain; charset=utf-8") { writer in
    ///     for line in lines where !writer.write(line + "\n") { return }
    /// }
    /// ```
    public static func streaming(
        _ status: HTTPStatus = .ok, contentType: String,
        _ produce: @escaping ResponseStream.Producer
    ) -> Response {
        var response = Response(
            status: status,
            headers: [
                "Content-Type": contentType, "Cache-Control": "no-cache", "X-Accel-Buffering": "no",
            ])
        response.stream = ResponseStream(produce)
        return response
    }

    /// Server-sent events (`text/event-stream`, with the charset Starlette adds to `text/*`).
    public static func eventStream(_ produce: @escaping ResponseStream.Producer) -> Response {
        streaming(contentType: "text/event-stream; charset=utf-8", produce)
    }
}

/// The body of a streamed response: a function that writes it piece by piece.
public struct ResponseStream: Sendable {
    public typealias Producer = @Sendable (ResponseBodyWriter) -> Void

    let produce: Producer

    public init(_ produce: @escaping Producer) {
        self.produce = produce
    }

    /// Runs the producer against `writer` (the transport's, or a test's).
    public func run(into writer: ResponseBodyWriter) {
        produce(writer)
    }
}

/// Where a streamed body goes: each `write` is handed to the transport, which sends and
/// flushes it. After the first failed write (the client is gone) every write returns false
/// at once, without touching the transport again.
public final class ResponseBodyWriter {
    /// Sends bytes and returns whether they went out.
    public typealias Sink = ([UInt8]) -> Bool

    private let sink: Sink
    /// False once a write failed; the producer should stop.
    public private(set) var isOpen = true
    /// Bytes handed to the transport successfully.
    public private(set) var bytesWritten = 0

    public init(sink: @escaping Sink) {
        self.sink = sink
    }

    /// Sends `bytes` now; false when the client is gone (then stop producing).
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        guard isOpen else { return false }
        guard !bytes.isEmpty else { return true }
        if sink(bytes) {
            bytesWritten += bytes.count
            return true
        }
        isOpen = false
        return false
    }

    /// Sends the UTF-8 bytes of `text` now; false when the client is gone.
    @discardableResult
    public func write(_ text: String) -> Bool {
        write(Array(text.utf8))
    }
}
