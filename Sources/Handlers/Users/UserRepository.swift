import AppCore
import JSON
import Postgres

/// The SQL of users. Parameterised only; the password hash is read here and nowhere else.
struct UserRepository {
    let connection: PGConnection

    struct NewUser {
        var username: String
        var email: String
        var passwordHash: String
        var fullName: String?
        var age: Int?
        var isAdmin = false
    }

    enum Creation: Equatable {
        case created(id: Int)
        case emailTaken
        case usernameTaken
    }

    /// Inserts a user; a taken email or username is an outcome of its own (the unique index
    /// says which), never an error.
    func create(_ user: NewUser) throws -> Creation {
        let rows: PGResult
        do {
            // is_active and is_admin are passed explicitly: a seed database has no server defaults.
            rows = try connection.query(
                """
                INSERT INTO users (username, email, hashed_password, full_name, age, is_active, is_admin, created_at, updated_at)
                VALUES (\(user.username), \(user.email), \(user.passwordHash), \(user.fullName), \(user.age), true, \(user.isAdmin), now(), now())
                RETURNING id
                """)
        } catch {
            guard error.isUniqueViolation else { throw error }
            return error.constraintName?.contains("username") == true ? .usernameTaken : .emailTaken
        }
        return .created(id: try rows[0].decode(0, as: Int.self))
    }

    func find(id: Int) throws -> User? {
        try connection.query("SELECT \(unescaped: User.columns) FROM users WHERE id = \(id)").first.map(User.init(row:))
    }

    /// The user, with their row locked against deletion (`FOR KEY SHARE`) until the transaction
    /// ends: rows that reference the user (items, tokens, campaigns) can be written without a
    /// concurrent deletion turning the insert into a foreign-key violation. Nil when the user
    /// is gone (deleted, or deleted by a transaction this one waited for).
    func lockKey(id: Int) throws -> User? {
        try connection.query("SELECT \(unescaped: User.columns) FROM users WHERE id = \(id) FOR KEY SHARE")
            .first.map(User.init(row:))
    }

    /// The user, locked against every concurrent change and against the key locks of logins and
    /// refreshes (`FOR UPDATE`), for a change of the account's standing (deactivation).
    func lockForUpdate(id: Int) throws -> User? {
        try connection.query("SELECT \(unescaped: User.columns) FROM users WHERE id = \(id) FOR UPDATE")
            .first.map(User.init(row:))
    }

    /// Sets `is_active` (the caller holds the row locked) and returns the user as it now is.
    func setActive(id: Int, _ active: Bool) throws -> User? {
        try connection.query(
            """
            UPDATE users SET is_active = \(active), updated_at = now() WHERE id = \(id) RETURNING \(unescaped: User.columns)
            """
        ).first.map(User.init(row:))
    }

    /// The user and their password hash, for login.
    func findForLogin(email: String) throws -> (user: User, passwordHash: String)? {
        let rows = try connection.query("SELECT \(unescaped: User.columns), hashed_password FROM users WHERE email = \(email)")
        guard let row = rows.first else { return nil }
        return (try User(row: row), try row.decode(9, as: String.self))
    }

    /// Sets the given profile fields (unchanged ones stay as they are; null clears).
    func updateProfile(id: Int, changes: ProfileUpdate) throws -> User? {
        let (setFullName, fullName) = changes.fullName.change
        let (setAge, age) = changes.age.change
        let rows = try connection.query(
            """
            UPDATE users SET
              full_name = CASE WHEN \(setFullName) THEN \(fullName) ELSE full_name END,
              age = CASE WHEN \(setAge) THEN \(age)::integer ELSE age END,
              updated_at = now()
            WHERE id = \(id)
            RETURNING \(unescaped: User.columns)
            """)
        return try rows.first.map(User.init(row:))
    }

    /// The list's pages: newest first, exact totals, cost independent of the table's size.
    static let pages = NewestFirstPages(
        table: "users", storedColumns: "id, username, email, full_name, age, is_active, is_admin, created_at, updated_at",
        outputColumns: User.columns, searchColumns: ["username", "email", "full_name"])

    /// One page (1-based `number`), newest first, with the total; `search` matches username,
    /// email or full name (case-insensitive substring, taken literally).
    func page(number: Int, size: Int, search: String?, searchTimeoutMilliseconds: Int) throws -> (users: [User], total: Int) {
        let page = try Self.pages.page(
            offset: (number - 1) * size, size: size, search: search,
            timeoutMilliseconds: searchTimeoutMilliseconds, on: connection, decode: User.init(row:))
        return (page.rows, page.total)
    }

    /// Deletes a user (their items go with them: `ON DELETE CASCADE`); false when there was none.
    func delete(id: Int) throws -> Bool {
        // In a transaction of its own: one that loses a deadlock is run again.
        try connection.transaction { connection in
            try connection.query("DELETE FROM users WHERE id = \(id)").affectedRows > 0
        }
    }

    func permissions(userID: Int) throws -> Set<String> {
        var names = Set<String>()
        for row in try connection.query("SELECT permission FROM user_permissions WHERE user_id = \(userID)") {
            names.insert(try row.decode(0, as: String.self))
        }
        return names
    }

    func grant(_ permission: String, to userID: Int) throws {
        try connection.query(
            """
            INSERT INTO user_permissions (user_id, permission) VALUES (\(userID), \(permission)) ON CONFLICT DO NOTHING
            """)
    }
}
