/// A method and path bound to a handler, with the operation that describes it.
///
/// An operation that needs credentials (`Operation.access`) can only be bound with the
/// initialisers that authenticate first, on a context that is `Authenticating`: declaring the
/// access and skipping the check cannot be written.
///
/// The order is FastAPI's: a JSON body that does not parse is refused first (422 `json_invalid`:
/// FastAPI reads the body before it solves the dependencies), then the caller is authenticated
/// (401, 403), then the parameters and the body are validated against the operation (422).
public struct Route<Context>: Sendable {
    public typealias Handler = @Sendable (RouteInput, Context) throws -> Response
    /// What the router runs: the request, and the validation of its input (run after the
    /// authentication, when there is one).
    typealias Runner = @Sendable (Request, Context, _ validate: () throws -> RouteInput) throws -> Response

    public let method: String
    public let path: PathPattern
    public let operation: Operation
    let run: Runner

    /// A route open to anyone (`operation.access` must be `.anyone`).
    public init(_ method: String, _ path: String, _ operation: Operation, handler: @escaping Handler) {
        precondition(
            operation.access == .anyone, "\(method) \(path) declares \(operation.access): bind it with an authenticated handler")
        self.init(method, path, operation, run: { _, context, validate in try handler(validate(), context) })
    }

    private init(_ method: String, _ path: String, _ operation: Operation, run: @escaping Runner) {
        self.method = method
        self.path = PathPattern(path)
        self.operation = operation
        self.run = run
    }
}

extension Route where Context: Authenticating {
    /// A route for callers with an account (`.user`, `.admin`, `.permissions`): the handler
    /// receives the caller once the route has checked it.
    public init(
        _ method: String, _ path: String, _ operation: Operation,
        handler: @escaping @Sendable (RouteInput, Context, Context.Caller) throws -> Response
    ) {
        let access = operation.access
        precondition(access != .anyone && access != .token, "\(method) \(path): this handler needs an account-level access")
        self.init(
            method, path, operation,
            run: { request, context, validate in
                let caller = try context.caller(of: request, access: access)
                return try handler(validate(), context, caller)
            })
    }

    /// A route for a valid access token (`.token`): the handler receives the token's user id
    /// and checks the account in its own statement.
    public static func token(
        _ method: String, _ path: String, _ operation: Operation,
        handler: @escaping @Sendable (RouteInput, Context, Int) throws -> Response
    ) -> Route {
        precondition(operation.access == .token, "\(method) \(path): a token handler needs access .token")
        return Route(
            method, path, operation,
            run: { request, context, validate in
                let subject = try context.tokenSubject(of: request)
                return try handler(validate(), context, subject)
            })
    }
}
