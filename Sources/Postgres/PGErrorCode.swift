extension PGError {
    /// The kind of a `PGError`: a public, comparable wrapper around a private enum.
    public struct Code: Sendable, Hashable, CustomStringConvertible {
        private enum Base: String, Sendable {
            case connectionFailed
            case connectionLost
            case server
            case decoding
            case invalidQuery
            case transactionRolledBack
        }

        private let base: Base

        private init(_ base: Base) { self.base = base }

        /// The connection could not be opened (or re-opened).
        public static let connectionFailed = Code(.connectionFailed)
        /// The connection broke during or before a command; call `reconnect()`.
        public static let connectionLost = Code(.connectionLost)
        /// The server rejected a command; see `sqlState`.
        public static let server = Code(.server)
        /// A column value could not be decoded into the requested Swift type.
        public static let decoding = Code(.decoding)
        /// The query cannot be sent, e.g. its text or a bind contains a NUL byte.
        public static let invalidQuery = Code(.invalidQuery)
        /// COMMIT found the transaction already aborted, so the server rolled it back.
        public static let transactionRolledBack = Code(.transactionRolledBack)

        /// The kind's name, e.g. `connectionLost`.
        public var description: String { base.rawValue }
    }
}
