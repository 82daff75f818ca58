/// A claim value: the JSON kinds tokens use.
public enum JWTClaim: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case double(Double)
    case bool(Bool)
    case null
    /// An array or object, as JSON text. Parsed tokens give it compact: no whitespace, strings
    /// with only `"`, `\\` and control characters escaped, floats as Python's `repr`. To sign one,
    /// give valid JSON array or object text (anything else is written as `null`); `sign` re-writes
    /// it compactly and ASCII-only, as python-jose would.
    case other(String)
}

extension JWTClaim: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

/// The claims of a token: a JSON object's members, in order, names unique.
public struct JWTClaims: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    private var members: [(name: String, value: JWTClaim)] = []

    /// Claims from `pairs`, in order; a repeated name replaces the earlier value in its place.
    public init(_ pairs: [(String, JWTClaim)] = []) {
        for (name, value) in pairs { self[name] = value }
    }

    public init(dictionaryLiteral elements: (String, JWTClaim)...) {
        self.init(elements)
    }

    /// The value of claim `name`. Setting a new name appends it; setting an existing one
    /// replaces its value in place; setting `nil` removes it. Names are compared by their
    /// Unicode scalars (as JSON and Python do), not by Swift's canonical equivalence.
    public subscript(name: String) -> JWTClaim? {
        get { index(of: name).map { members[$0].value } }
        set {
            switch (index(of: name), newValue) {
            case let (i?, value?): members[i].value = value
            case let (i?, nil): members.remove(at: i)
            case let (nil, value?): members.append((name, value))
            case (nil, nil): break
            }
        }
    }

    /// The claim names, in order.
    public var names: [String] { members.map(\.name) }

    /// The claims as (name, value) pairs, in order.
    public var pairs: [(String, JWTClaim)] { members.map { ($0.name, $0.value) } }

    /// `sub`, when it is a string.
    public var subject: String? { string("sub") }

    /// `exp` as a NumericDate: an integer, or a finite number truncated toward zero (as Python's
    /// `int()` in python-jose), clamped to the range of `Int64`.
    public var expiration: Int64? { self["exp"].flatMap(Self.numericDate) }

    /// `type` (this application's access/refresh marker), when it is a string.
    public var type: String? { string("type") }

    /// `jti`, when it is a string.
    public var jwtID: String? { string("jti") }

    public static func == (a: JWTClaims, b: JWTClaims) -> Bool {
        a.members.count == b.members.count
            && zip(a.members, b.members).allSatisfy { x, y in
                sameName(x.name, y.name) && x.value == y.value
            }
    }

    private func string(_ name: String) -> String? {
        if case .string(let value)? = self[name] { return value }
        return nil
    }

    private func index(of name: String) -> Int? {
        members.firstIndex { Self.sameName($0.name, name) }
    }

    static func sameName(_ a: String, _ b: String) -> Bool {
        a.utf8.elementsEqual(b.utf8)
    }

    /// A NumericDate from an integer or a finite double (truncated, clamped); `nil` otherwise.
    static func numericDate(_ claim: JWTClaim) -> Int64? {
        switch claim {
        case .int(let value):
            return value
        case .double(let value) where value.isFinite:
            // 2^63 is exactly representable; everything below it converts after truncation.
            if value >= 9_223_372_036_854_775_808.0 { return .max }
            if value <= -9_223_372_036_854_775_808.0 { return .min }
            return Int64(value.rounded(.towardZero))
        default:
            return nil
        }
    }
}
