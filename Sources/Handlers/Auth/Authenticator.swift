import AppCore
import Identity
import Postgres

/// The seed's `get_current_user` / `get_active_user` / `get_admin_user` dependencies.
public enum Authenticator {
    static let challenge: HTTPHeaders = ["WWW-Authenticate": "Bearer"]

    /// The bearer token of the request, or 401 `Not authenticated` (OAuth2PasswordBearer).
    static func bearerToken(_ request: Request) throws -> String {
        guard let header = request.headers["authorization"] else {
            throw HTTPError(.unauthorized, .notAuthenticated, headers: challenge)
        }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw HTTPError(.unauthorized, .notAuthenticated, headers: challenge)
        }
        return String(parts[1].trimmingASCIIWhitespace())
    }

    /// The active user the access token belongs to: 401 for a missing, bad, expired or
    /// wrong-type token or an unknown user, 403 for an inactive account.
    public static func activeUser(_ request: Request, context: AppContext, connection: PGConnection) throws -> User {
        try activeUser(id: tokenUserID(request, context: context), connection: connection)
    }

    /// The active user a valid token named (`Access.token`): 401 when it is gone, 403 when
    /// it is inactive.
    static func activeUser(id: Int, connection: PGConnection) throws -> User {
        guard let user = try UserRepository(connection: connection).find(id: id) else { throw refusal(userExists: false) }
        guard user.isActive else { throw refusal(userExists: true) }
        return user
    }

    /// The user id a valid access token names, checked without the database: 401 for a
    /// missing, bad, expired or wrong-type token. Whether that user exists and is active is the
    /// caller's to check (`activeUser` does both; a write may check them in its own statement).
    static func tokenUserID(_ request: Request, context: AppContext) throws -> Int {
        let token = try bearerToken(request)
        guard let (userID, _) = context.tokens.verify(token, type: "access", now: context.now()) else {
            throw HTTPError(.unauthorized, .invalidCredentials, headers: challenge)
        }
        return userID
    }

    /// The caller of an operation of `access` (`.user`, `.admin`, `.permissions`): 401 or 403
    /// as the seed's dependencies answer.
    static func caller(_ request: Request, access: Access, context: AppContext) throws -> User {
        try context.database.withConnection { connection in
            let user = try activeUser(request, context: context, connection: connection)
            switch access {
            case .admin:
                guard user.isAdmin else { throw HTTPError(.forbidden, .adminRequired) }
            case .permissions(let names):
                try PermissionChecker(names).check(user, connection: connection)
            case .anyone, .token, .user:
                break
            }
            return user
        }
    }

    /// The answer for a token whose user is gone (401) or inactive (403), as `activeUser` gives.
    static func refusal(userExists: Bool) -> HTTPError {
        userExists ? HTTPError(.forbidden, .inactiveAccount) : HTTPError(.unauthorized, .invalidCredentials, headers: challenge)
    }

    /// Keeps the caller's account from being deleted until the transaction ends, before a write
    /// that references it (an item's owner, a campaign's author): a deletion that came first
    /// makes this a 401, as the next request with the token would get, instead of a
    /// foreign-key violation; one that comes later waits and then removes the new rows with the
    /// account (`ON DELETE CASCADE`).
    public static func holdAccount(_ user: User, connection: PGConnection) throws {
        guard try UserRepository(connection: connection).lockKey(id: user.id) != nil else {
            throw HTTPError(.unauthorized, .invalidCredentials, headers: challenge)
        }
    }

}

/// The seed's `PermissionChecker`: the user must hold every named permission
/// (stored per user in `user_permissions`), else 403 naming the missing ones.
public struct PermissionChecker: Sendable {
    public let required: [String]

    public init(_ required: [String]) {
        self.required = required
    }

    public func check(_ user: User, connection: PGConnection) throws {
        let held = try UserRepository(connection: connection).permissions(userID: user.id)
        let missing = required.filter { !held.contains($0) }
        guard missing.isEmpty else { throw HTTPError(.forbidden, .missingPermissions(missing)) }
    }
}
