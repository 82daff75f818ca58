/// A method and path bound to a handler, with the operation that describes it.
public struct Route<Context>: Sendable {
    public typealias Handler = @Sendable (RouteInput, Context) throws -> Response

    public let method: String
    public let path: PathPattern
    public let operation: Operation
    let handler: Handler

    public init(_ method: String, _ path: String, _ operation: Operation, handler: @escaping Handler) {
        self.method = method
        self.path = PathPattern(path)
        self.operation = operation
        self.handler = handler
    }
}
