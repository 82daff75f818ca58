/// Who may call an operation: declared on the `Operation`, enforced by the route before its
/// handler runs (`Route`'s authenticated initialisers, through the context's `Authenticating`),
/// and shown by the OpenAPI document (security, 401 and 403) from the same declaration, so the
/// two cannot drift apart.
public enum Access: Sendable, Equatable {
    /// No credentials needed.
    case anyone
    /// A valid access token: the handler gets its user id, and checks the account itself in
    /// the statement it runs anyway (one round trip less on a hot write).
    case token
    /// An active account; the handler gets it.
    case user
    /// An active administrator.
    case admin
    /// An active account holding every named permission (the seed's `PermissionChecker`).
    case permissions([String])

    /// The operation needs a bearer token.
    public var needsToken: Bool { self != .anyone }
}

/// A route context that can tell who calls: what the router asks before an operation whose
/// `Access` is not `.anyone`. Client mistakes are thrown as `HTTPError` (401, 403).
public protocol Authenticating {
    /// The caller an account-level operation receives (the application's user).
    associatedtype Caller

    /// The caller of `request`, held to `access` (`.user`, `.admin`, `.permissions`).
    func caller(of request: Request, access: Access) throws -> Caller

    /// The user id named by the request's valid access token (`.token`).
    func tokenSubject(of request: Request) throws -> Int
}
