/// A Swift value that can be built from a column in PostgreSQL's text format.
public protocol PGDecodable {
    /// Decodes `pgText` (`nil` for SQL NULL); throws `PGError.Code.decoding` if it does not fit.
    init(pgText: String?) throws(PGError)
}

extension PGError {
    /// A decoding error; the message (only shown by `debugDescription`) names the type.
    static func decoding(_ type: Any.Type, _ text: String?) -> PGError {
        let what = text.map { "text \"\($0)\"" } ?? "NULL"
        return PGError(.decoding, message: "cannot decode \(type) from \(what)")
    }
}

extension String: PGDecodable {
    /// The text itself; throws on NULL.
    public init(pgText: String?) throws(PGError) {
        guard let pgText else { throw .decoding(String.self, nil) }
        self = pgText
    }
}

extension Int: PGDecodable {
    /// Parses decimal digits; throws on NULL or other text.
    public init(pgText: String?) throws(PGError) {
        guard let pgText, let value = Int(pgText) else { throw .decoding(Int.self, pgText) }
        self = value
    }
}

extension Int32: PGDecodable {
    /// Parses decimal digits; throws on NULL, other text or overflow.
    public init(pgText: String?) throws(PGError) {
        guard let pgText, let value = Int32(pgText) else { throw .decoding(Int32.self, pgText) }
        self = value
    }
}

extension Int64: PGDecodable {
    /// Parses decimal digits; throws on NULL, other text or overflow.
    public init(pgText: String?) throws(PGError) {
        guard let pgText, let value = Int64(pgText) else { throw .decoding(Int64.self, pgText) }
        self = value
    }
}

extension Bool: PGDecodable {
    /// Accepts `t`/`f` (PostgreSQL's output) and `true`/`false`; throws otherwise.
    public init(pgText: String?) throws(PGError) {
        switch pgText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: throw .decoding(Bool.self, pgText)
        }
    }
}

extension Double: PGDecodable {
    /// Parses a decimal, `Infinity`, `-Infinity` or `NaN`; throws on NULL or other text.
    public init(pgText: String?) throws(PGError) {
        guard let pgText, let value = Double(pgText) else { throw .decoding(Double.self, pgText) }
        self = value
    }
}

extension Optional: PGDecodable where Wrapped: PGDecodable {
    /// `nil` for SQL NULL, otherwise the wrapped type's decoding.
    public init(pgText: String?) throws(PGError) {
        guard let pgText else {
            self = .none
            return
        }
        self = .some(try Wrapped(pgText: pgText))
    }
}
