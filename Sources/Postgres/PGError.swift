/// The one error type of the Postgres module.
///
/// `description` is safe to log: it holds only the kind of failure and the
/// SQLSTATE. Server messages (which may quote SQL or values) appear only in
/// `debugDescription`.
public struct PGError: Error, CustomStringConvertible, CustomDebugStringConvertible, Sendable {
    /// The broad kind of a failure; compare with `==` against the static members.
    public let code: Code
    /// The server's SQLSTATE, e.g. `"23505"` (unique_violation) or `"57014"` (query_canceled).
    public let sqlState: String?
    /// The violated constraint's name (`PG_DIAG_CONSTRAINT_NAME`), when the server reported one.
    public let constraintName: String?
    /// libpq's or the server's message; may quote SQL or values, so it is only used by `debugDescription`.
    let message: String

    init(_ code: Code, message: String, sqlState: String? = nil, constraintName: String? = nil) {
        self.code = code
        self.message = message
        self.sqlState = sqlState
        self.constraintName = constraintName
    }

    /// True when the connection could not be opened or was lost; the client should get a 503.
    ///
    /// Decided by libpq's connection status, not by SQLSTATE class 08: a server
    /// error such as 08P01 (protocol_violation, e.g. a wrong bind count) leaves
    /// the connection healthy and is a bug, not an outage.
    public var isConnectionProblem: Bool {
        code == .connectionFailed || code == .connectionLost
    }

    /// True for SQLSTATE 23505 (unique_violation).
    public var isUniqueViolation: Bool { sqlState == "23505" }

    /// True for SQLSTATE 23503 (foreign_key_violation).
    public var isForeignKeyViolation: Bool { sqlState == "23503" }

    /// True for SQLSTATE 40001 (serialization_failure) and 40P01 (deadlock_detected): the server
    /// rolled the transaction back to resolve a conflict with another one; running it again may
    /// succeed (`PGConnection.transaction` does, a few times).
    public var isTransientConflict: Bool { sqlState == "40001" || sqlState == "40P01" }

    /// True for SQLSTATE 57014 (query_canceled), e.g. after `cancelRunningQuery()` or a statement timeout.
    public var isQueryCanceled: Bool { sqlState == "57014" }

    /// The kind and SQLSTATE only; never SQL text, bind values or server message details.
    public var description: String {
        if let sqlState {
            return "PGError(\(code), sqlState: \(sqlState))"
        }
        return "PGError(\(code))"
    }

    /// Everything in `description` plus the constraint name and libpq's message; not for production logs.
    public var debugDescription: String {
        var text = "PGError(\(code)"
        if let sqlState { text += ", sqlState: \(sqlState)" }
        if let constraintName { text += ", constraint: \(constraintName)" }
        let trimmed = message.trimmingTrailingWhitespace()
        if !trimmed.isEmpty { text += ", message: \(trimmed)" }
        return text + ")"
    }
}

extension String {
    /// The string without trailing spaces and newlines (libpq messages end in "\n").
    func trimmingTrailingWhitespace() -> String {
        var result = Substring(self)
        while let last = result.last, last.isWhitespace {
            result.removeLast()
        }
        return String(result)
    }
}
