/// One schema migration: a version, a name and the SQL to apply and (optionally) revert it.
public struct Migration: Sendable, Equatable {
    /// The number from the file name (`0001_...` is 1); migrations apply in ascending order.
    public let version: Int
    /// The name from the file name, e.g. `create_users_items`.
    public let name: String
    /// The SQL of the `.up.sql` file.
    public let upSQL: String
    /// The SQL of the `.down.sql` file, if there is one.
    public let downSQL: String?

    /// A migration from its parts (the loader builds these from files).
    public init(version: Int, name: String, upSQL: String, downSQL: String? = nil) {
        self.version = version
        self.name = name
        self.upSQL = upSQL
        self.downSQL = downSQL
    }

    /// The file name stem, e.g. `0001_create_users_items`, for messages.
    var fileStem: String {
        let digits = String(version)
        let padding = String(repeating: "0", count: max(0, 4 - digits.count))
        return "\(padding)\(digits)_\(name)"
    }
}
