/// SQL text with its binds, built safely by string interpolation.
///
/// Each interpolated value becomes a bind and the SQL gets `$1`, `$2`, ...:
/// `"select * from users where id = \(id)"` sends `id` separately from the SQL.
/// `description` shows the SQL but never a bind value.
public struct PGQuery: ExpressibleByStringInterpolation, Sendable {
    /// The SQL text with `$n` placeholders.
    public var sql: String
    /// The binds in PostgreSQL's text format; `nil` is SQL NULL.
    public var binds: [String?]

    /// A query from raw SQL text and explicit binds; the text must not contain untrusted input.
    public init(unsafeSQL: String, binds: [String?] = []) {
        self.sql = unsafeSQL
        self.binds = binds
    }

    /// A query without binds from a string literal.
    public init(stringLiteral value: String) {
        self.init(unsafeSQL: value)
    }

    /// A query from an interpolated string literal.
    public init(stringInterpolation: StringInterpolation) {
        self.init(unsafeSQL: stringInterpolation.sql, binds: stringInterpolation.binds)
    }
}

extension PGQuery: CustomStringConvertible, CustomDebugStringConvertible {
    /// The SQL followed by redacted binds, e.g. `select $1 [$1=<redacted>]`.
    public var description: String {
        guard !binds.isEmpty else { return sql }
        let redacted = binds.indices.map { "$\($0 + 1)=<redacted>" }
        return "\(sql) [\(redacted.joined(separator: ", "))]"
    }

    /// Same as `description`: bind values are never printed.
    public var debugDescription: String { description }
}

extension PGQuery: CustomReflectable {
    /// A mirror that shows the SQL and the number of binds, so `dump` leaks no values either.
    public var customMirror: Mirror {
        Mirror(self, children: ["sql": sql, "bindCount": binds.count], displayStyle: .struct)
    }
}
