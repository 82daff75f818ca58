/// A Swift value that can be sent to PostgreSQL as a text-format bind.
public protocol PGEncodable: Sendable {
    /// The value in PostgreSQL's text format; `nil` sends SQL NULL.
    var pgText: String? { get }
}

extension String: PGEncodable {
    /// The string itself.
    public var pgText: String? { self }
}

extension Int: PGEncodable {
    /// The decimal digits.
    public var pgText: String? { String(self) }
}

extension Int32: PGEncodable {
    /// The decimal digits.
    public var pgText: String? { String(self) }
}

extension Int64: PGEncodable {
    /// The decimal digits.
    public var pgText: String? { String(self) }
}

extension Bool: PGEncodable {
    /// `"t"` or `"f"`, as PostgreSQL writes booleans.
    public var pgText: String? { self ? "t" : "f" }
}

extension Double: PGEncodable {
    /// The shortest round-tripping decimal, or `Infinity`, `-Infinity`, `NaN`.
    public var pgText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self < 0 ? "-Infinity" : "Infinity" }
        return String(self)
    }
}
