import AppCore
import CryptoSupport
import JSON
import Postgres

/// Account tasks for operators (the `FCGIApp user` command), with the same validation as the API.
public enum AccountAdministration {
    /// Creates an account, validated exactly like a registration (reserved names such as
    /// `admin` are refused here too). Returns the new id.
    public static func createUser(
        connection: PGConnection, username: String, email: String, password: String,
        fullName: String?, admin: Bool, hasher: PasswordHasher
    ) throws -> Int {
        var body = JSONObject([
            ("username", .string(username)), ("email", .string(email)),
            ("password", .string(password)), ("password_confirm", .string(password)),
        ])
        if let fullName { body["full_name"] = .string(fullName) }
        var issues: [ValidationIssue] = []
        let valid = SchemaValidator.validate(.object(body), against: .object(Registration.schema), at: ["body"], issues: &issues)
        guard issues.isEmpty, let fields = valid.objectValue else { throw ValidationError(issues) }
        let registration = Registration(validated: fields)
        let hash = try hasher.hash(password)
        switch try UserRepository(connection: connection).create(
            .init(
                username: registration.username, email: registration.email, passwordHash: hash,
                fullName: registration.fullName, age: nil, isAdmin: admin))
        {
        case .created(let id): return id
        case .emailTaken: throw HTTPError(.conflict, .emailTaken)
        case .usernameTaken: throw HTTPError(.conflict, .usernameTaken)
        }
    }

    /// Suspends or restores an account; nil when there is none. Deactivation revokes every
    /// refresh-token family of the user in the same transaction, with the user's row locked
    /// against logins and refreshes (`FOR UPDATE` against their `FOR KEY SHARE`), so no token is
    /// minted for the account after the change commits; access tokens fail at their next use
    /// (every request reads the account), and the chat daemons close the user's connections
    /// (the `users_notify_chat` trigger of migration 0006).
    public static func setActive(id: Int, _ active: Bool, connection: PGConnection) throws -> User? {
        try connection.transaction { connection in
            let users = UserRepository(connection: connection)
            guard let user = try users.lockForUpdate(id: id) else { return nil }
            guard user.isActive != active else { return user }
            if !active { try RefreshTokenRepository(connection: connection).revokeAll(userID: id) }
            return try users.setActive(id: id, active)
        }
    }

    /// Grants named permissions (the seed's `PermissionChecker` names, e.g. `articles:write`).
    public static func grant(_ permissions: [String], toEmail email: String, connection: PGConnection) throws {
        let repository = UserRepository(connection: connection)
        guard let (user, _) = try repository.findForLogin(email: AuthController.normalizedEmail(email)) else {
            throw HTTPError(.notFound, .userNotFound)
        }
        try connection.transaction { connection in
            for permission in permissions { try UserRepository(connection: connection).grant(permission, to: user.id) }
        }
    }
}
