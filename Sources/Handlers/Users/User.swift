import AppCore
import JSON
import Postgres

/// A user as stored, minus the password hash (which never leaves `UserRepository`).
public struct User: Sendable, Equatable {
    public var id: Int
    public var username: String
    public var email: String
    public var fullName: String?
    public var age: Int?
    public var isActive: Bool
    public var isAdmin: Bool
    /// ISO 8601 with offset.
    public var createdAt: String
    public var updatedAt: String

    /// The seed's computed field: the full name when there is one, else the username.
    public var displayName: String { fullName.flatMap { $0.isEmpty ? nil : $0 } ?? username }

    /// The select list that `init(row:)` decodes, in order.
    static let columns =
        "id, username, email, full_name, age, is_active, is_admin, "
        + "\(Timestamp.isoSQL("created_at")), \(Timestamp.isoSQL("updated_at"))"

    init(row: PGRow) throws {
        id = try row.decode(0)
        username = try row.decode(1)
        email = try row.decode(2)
        fullName = try row.decode(3)
        age = try row.decode(4)
        isActive = try row.decode(5)
        isAdmin = try row.decode(6)
        createdAt = try row.decode(7)
        updatedAt = try row.decode(8)
    }

    /// The object's keys, encoded once (this is written for every element of a page).
    private enum Keys {
        static let id = JSONKey("id")
        static let username = JSONKey("username")
        static let email = JSONKey("email")
        static let fullName = JSONKey("full_name")
        static let age = JSONKey("age")
        static let isActive = JSONKey("is_active")
        static let createdAt = JSONKey("created_at")
        static let updatedAt = JSONKey("updated_at")
        static let displayName = JSONKey("display_name")
    }

    /// The public view of a user: `id, username, full_name, display_name`.
    func writePublic(to json: inout JSONWriter) {
        json.beginObject()
        json.key(Keys.id)
        json.value(id)
        json.key(Keys.username)
        json.value(username)
        json.key(Keys.fullName)
        json.value(fullName)
        json.key(Keys.displayName)
        json.value(displayName)
        json.endObject()
    }

    /// The contract's user object: `id, username, email, full_name, age, is_active, created_at,
    /// updated_at, display_name`. Never a password hash.
    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key(Keys.id)
        json.value(id)
        json.key(Keys.username)
        json.value(username)
        json.key(Keys.email)
        json.value(email)
        json.key(Keys.fullName)
        json.value(fullName)
        json.key(Keys.age)
        json.value(age)
        json.key(Keys.isActive)
        json.value(isActive)
        json.key(Keys.createdAt)
        json.value(createdAt)
        json.key(Keys.updatedAt)
        json.value(updatedAt)
        json.key(Keys.displayName)
        json.value(displayName)
        json.endObject()
    }
}
