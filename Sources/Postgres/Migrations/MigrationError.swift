/// A problem with migration files or with the migrations' state (not a database error).
public struct MigrationError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, naming the file or migration concerned.
    public let message: String

    init(_ message: String) {
        self.message = message
    }

    /// The message; safe to log (it holds file names, no data).
    public var description: String { "MigrationError: \(message)" }
}
