/// The JSON of JWT headers and payloads: one object whose members are strings, numbers, booleans,
/// null, or nested arrays/objects (kept as canonical text in `JWTClaim.other`).
///
/// Reading is strict RFC 8259: no trailing garbage, no NaN/Infinity, no lone surrogates, valid
/// UTF-8, no raw control characters, no duplicate member names (at any depth), nesting at most
/// `maxDepth`. Writing matches Python's `json.dumps(obj, separators=(",", ":"))`, as python-jose
/// uses it: no whitespace, everything outside printable ASCII escaped (`\n`-style for the usual
/// five, else lowercase `\uXXXX`, surrogate pairs above U+FFFF), floats as Python's `repr`.
enum JWTJSON {
    static let maxDepth = 32

    /// The members of the JSON object `bytes`, in order; `nil` if `bytes` is not exactly one
    /// valid JSON object (surrounding whitespace allowed).
    static func parseObject(_ bytes: some Collection<UInt8>) -> [(String, JWTClaim)]? {
        var parser = Parser(Array(bytes))
        return parser.topLevelObject()
    }

    /// `members` as a compact JSON object.
    static func encodeObject(_ members: [(String, JWTClaim)]) -> [UInt8] {
        var out = [UInt8]()
        out.append(UInt8(ascii: "{"))
        for (i, (name, value)) in members.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            appendString(name, to: &out)
            out.append(UInt8(ascii: ":"))
            appendClaim(value, to: &out)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    static func appendClaim(_ claim: JWTClaim, to out: inout [UInt8]) {
        switch claim {
        case .string(let s): appendString(s, to: &out)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d): appendDouble(d, to: &out)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .null: out.append(contentsOf: "null".utf8)
        case .other(let text):
            var parser = Parser(Array(text.utf8))
            if let canonical = parser.topLevelComposite(asciiOnly: true) {
                out.append(contentsOf: canonical)
            } else {
                out.append(contentsOf: "null".utf8)
            }
        }
    }

    /// `s` as a JSON string: ASCII only (Python's `ensure_ascii=True`), or, when `asciiOnly` is
    /// false, with only `"`, `\\` and control characters escaped.
    static func appendString(_ s: String, asciiOnly: Bool = true, to out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        func appendEscaped(_ unit: UInt32) {
            out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"),
                                    hex[Int(unit >> 12 & 0xF)], hex[Int(unit >> 8 & 0xF)],
                                    hex[Int(unit >> 4 & 0xF)], hex[Int(unit & 0xF)]])
        }
        out.append(UInt8(ascii: "\""))
        for scalar in s.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x22: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case 0x5C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x20...0x7E: out.append(UInt8(v))
            case 0x7F... where !asciiOnly: UTF8.encode(scalar) { out.append($0) }
            case 0..<0x1_0000: appendEscaped(v)
            default:
                let offset = v - 0x1_0000
                appendEscaped(0xD800 + (offset >> 10))
                appendEscaped(0xDC00 + (offset & 0x3FF))
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// `d` as Python's `repr(float)`: the shortest round-trip digits (which Swift's `description`
    /// also gives), fixed notation for exponents -4...15 (with ".0" for integral values), else
    /// `1.5e+16` style with at least two exponent digits. Non-finite values, which JSON cannot
    /// hold (Python would write `Infinity`/`NaN`), are written as `null`.
    static func appendDouble(_ d: Double, to out: inout [UInt8]) {
        guard d.isFinite else {
            out.append(contentsOf: "null".utf8)
            return
        }
        if d.sign == .minus { out.append(UInt8(ascii: "-")) }
        if d == 0 {
            out.append(contentsOf: "0.0".utf8)
            return
        }
        // Swift writes e.g. "4102444800.5", "1e-05", "1.2345e+20", "5e-324".
        let text = Array(d.magnitude.description.utf8)
        var digits = [UInt8]()
        var pointPosition: Int?
        var i = 0
        while i < text.count, text[i] != UInt8(ascii: "e"), text[i] != UInt8(ascii: "E") {
            if text[i] == UInt8(ascii: ".") {
                pointPosition = digits.count
            } else {
                digits.append(text[i])
            }
            i += 1
        }
        var exponent = 0
        if i < text.count {
            i += 1
            var negative = false
            if i < text.count, text[i] == UInt8(ascii: "-") || text[i] == UInt8(ascii: "+") {
                negative = text[i] == UInt8(ascii: "-")
                i += 1
            }
            while i < text.count {
                exponent = exponent * 10 + Int(text[i] - UInt8(ascii: "0"))
                i += 1
            }
            if negative { exponent = -exponent }
        }
        // The value is 0.DIGITS × 10^decimalPoint.
        var decimalPoint = (pointPosition ?? digits.count) + exponent
        while digits.first == UInt8(ascii: "0") {
            digits.removeFirst()
            decimalPoint -= 1
        }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        let zero = UInt8(ascii: "0")
        if decimalPoint > -4 && decimalPoint <= 16 {
            if decimalPoint <= 0 {
                out.append(contentsOf: [zero, UInt8(ascii: ".")])
                out.append(contentsOf: repeatElement(zero, count: -decimalPoint))
                out.append(contentsOf: digits)
            } else if decimalPoint >= digits.count {
                out.append(contentsOf: digits)
                out.append(contentsOf: repeatElement(zero, count: decimalPoint - digits.count))
                out.append(contentsOf: [UInt8(ascii: "."), zero])
            } else {
                out.append(contentsOf: digits[..<decimalPoint])
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[decimalPoint...])
            }
        } else {
            out.append(digits[0])
            if digits.count > 1 {
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[1...])
            }
            let scientific = decimalPoint - 1
            out.append(contentsOf: [UInt8(ascii: "e"), UInt8(ascii: scientific < 0 ? "-" : "+")])
            let magnitude = scientific.magnitude
            if magnitude < 10 { out.append(zero) }
            out.append(contentsOf: String(magnitude).utf8)
        }
    }

    /// A recursive-descent reader over UTF-8 bytes.
    private struct Parser {
        private let bytes: [UInt8]
        private var index = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        private var current: UInt8? { index < bytes.count ? bytes[index] : nil }

        private mutating func skipWhitespace() {
            while let c = current, c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { index += 1 }
        }

        private mutating func consume(_ c: UInt8) -> Bool {
            guard current == c else { return false }
            index += 1
            return true
        }

        private mutating func consume(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard bytes.count - index >= count else { return false }
            let matches = literal.withUTF8Buffer { bytes[index..<index + count].elementsEqual($0) }
            if matches { index += count }
            return matches
        }

        private var atEnd: Bool { index == bytes.count }

        /// The whole input as one object of claims.
        mutating func topLevelObject() -> [(String, JWTClaim)]? {
            skipWhitespace()
            guard consume(UInt8(ascii: "{")) else { return nil }
            var members = [(String, JWTClaim)]()
            skipWhitespace()
            if !consume(UInt8(ascii: "}")) {
                repeat {
                    skipWhitespace()
                    guard let name = string() else { return nil }
                    guard !members.contains(where: { JWTClaims.sameName($0.0, name) }) else { return nil }
                    skipWhitespace()
                    guard consume(UInt8(ascii: ":")), let value = claim() else { return nil }
                    members.append((name, value))
                    skipWhitespace()
                } while consume(UInt8(ascii: ","))
                guard consume(UInt8(ascii: "}")) else { return nil }
            }
            skipWhitespace()
            return atEnd ? members : nil
        }

        /// The whole input as one array or object, in canonical compact form.
        mutating func topLevelComposite(asciiOnly: Bool) -> [UInt8]? {
            skipWhitespace()
            guard current == UInt8(ascii: "[") || current == UInt8(ascii: "{") else { return nil }
            var out = [UInt8]()
            guard canonicalValue(into: &out, depth: 1, asciiOnly: asciiOnly) else { return nil }
            skipWhitespace()
            return atEnd ? out : nil
        }

        /// A member value of the top-level object.
        private mutating func claim() -> JWTClaim? {
            skipWhitespace()
            switch current {
            case UInt8(ascii: "\""):
                return string().map(JWTClaim.string)
            case UInt8(ascii: "t"):
                return consume("true") ? .bool(true) : nil
            case UInt8(ascii: "f"):
                return consume("false") ? .bool(false) : nil
            case UInt8(ascii: "n"):
                return consume("null") ? .null : nil
            case UInt8(ascii: "["), UInt8(ascii: "{"):
                var out = [UInt8]()
                guard canonicalValue(into: &out, depth: 1, asciiOnly: false) else { return nil }
                return .other(String(decoding: out, as: UTF8.self))
            default:
                guard let (text, integral) = number() else { return nil }
                if integral, let value = Int64(text) { return .int(value) }
                guard let value = Double(text), value.isFinite else { return nil }
                return .double(value)
            }
        }

        /// Any value, re-written compactly into `out` (strings as `appendString` writes them).
        private mutating func canonicalValue(into out: inout [UInt8], depth: Int, asciiOnly: Bool) -> Bool {
            skipWhitespace()
            switch current {
            case UInt8(ascii: "{"):
                guard depth <= JWTJSON.maxDepth else { return false }
                index += 1
                out.append(UInt8(ascii: "{"))
                skipWhitespace()
                if consume(UInt8(ascii: "}")) {
                    out.append(UInt8(ascii: "}"))
                    break
                }
                var names = [String]()
                repeat {
                    skipWhitespace()
                    guard let name = string(), !names.contains(where: { JWTClaims.sameName($0, name) }) else {
                        return false
                    }
                    if !names.isEmpty { out.append(UInt8(ascii: ",")) }
                    names.append(name)
                    JWTJSON.appendString(name, asciiOnly: asciiOnly, to: &out)
                    skipWhitespace()
                    guard consume(UInt8(ascii: ":")) else { return false }
                    out.append(UInt8(ascii: ":"))
                    guard canonicalValue(into: &out, depth: depth + 1, asciiOnly: asciiOnly) else { return false }
                    skipWhitespace()
                } while consume(UInt8(ascii: ","))
                guard consume(UInt8(ascii: "}")) else { return false }
                out.append(UInt8(ascii: "}"))
            case UInt8(ascii: "["):
                guard depth <= JWTJSON.maxDepth else { return false }
                index += 1
                out.append(UInt8(ascii: "["))
                skipWhitespace()
                if consume(UInt8(ascii: "]")) {
                    out.append(UInt8(ascii: "]"))
                    break
                }
                var first = true
                repeat {
                    if !first { out.append(UInt8(ascii: ",")) }
                    first = false
                    guard canonicalValue(into: &out, depth: depth + 1, asciiOnly: asciiOnly) else { return false }
                    skipWhitespace()
                } while consume(UInt8(ascii: ","))
                guard consume(UInt8(ascii: "]")) else { return false }
                out.append(UInt8(ascii: "]"))
            case UInt8(ascii: "\""):
                guard let s = string() else { return false }
                JWTJSON.appendString(s, asciiOnly: asciiOnly, to: &out)
            case UInt8(ascii: "t"):
                guard consume("true") else { return false }
                out.append(contentsOf: "true".utf8)
            case UInt8(ascii: "f"):
                guard consume("false") else { return false }
                out.append(contentsOf: "false".utf8)
            case UInt8(ascii: "n"):
                guard consume("null") else { return false }
                out.append(contentsOf: "null".utf8)
            default:
                guard let (text, integral) = number() else { return false }
                if integral {
                    // Python keeps integers exactly (any size); "-0" reads as 0.
                    out.append(contentsOf: text == "-0" ? "0".utf8 : text.utf8)
                } else {
                    guard let value = Double(text), value.isFinite else { return false }
                    JWTJSON.appendDouble(value, to: &out)
                }
            }
            return true
        }

        /// A number per the JSON grammar: its text, and whether it has neither fraction nor exponent.
        private mutating func number() -> (String, Bool)? {
            let start = index
            func isDigit(_ c: UInt8?) -> Bool { c.map { (0x30...0x39).contains($0) } ?? false }
            _ = consume(UInt8(ascii: "-"))
            if consume(UInt8(ascii: "0")) {
                // No leading zeros.
            } else if isDigit(current) {
                while isDigit(current) { index += 1 }
            } else {
                return nil
            }
            var integral = true
            if consume(UInt8(ascii: ".")) {
                integral = false
                guard isDigit(current) else { return nil }
                while isDigit(current) { index += 1 }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                integral = false
                index += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
                guard isDigit(current) else { return nil }
                while isDigit(current) { index += 1 }
            }
            return (String(decoding: bytes[start..<index], as: UTF8.self), integral)
        }

        /// A string with its escapes resolved; `nil` for raw control characters, bad escapes,
        /// lone surrogates, invalid UTF-8 or a missing closing quote.
        private mutating func string() -> String? {
            guard consume(UInt8(ascii: "\"")) else { return nil }
            // Most strings have no escapes: take them in one piece.
            var end = index
            while end < bytes.count, bytes[end] != UInt8(ascii: "\""), bytes[end] != UInt8(ascii: "\\"), bytes[end] >= 0x20 {
                end += 1
            }
            if end < bytes.count, bytes[end] == UInt8(ascii: "\"") {
                defer { index = end + 1 }
                return String(validating: bytes[index..<end], as: UTF8.self)
            }
            var buffer = Array(bytes[index..<end])
            index = end
            while let c = current {
                index += 1
                switch c {
                case UInt8(ascii: "\""):
                    return String(validating: buffer, as: UTF8.self)
                case UInt8(ascii: "\\"):
                    guard let escaped = current else { return nil }
                    index += 1
                    switch escaped {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): buffer.append(escaped)
                    case UInt8(ascii: "b"): buffer.append(0x08)
                    case UInt8(ascii: "f"): buffer.append(0x0C)
                    case UInt8(ascii: "n"): buffer.append(0x0A)
                    case UInt8(ascii: "r"): buffer.append(0x0D)
                    case UInt8(ascii: "t"): buffer.append(0x09)
                    case UInt8(ascii: "u"):
                        guard var value = hex4() else { return nil }
                        if (0xD800...0xDBFF).contains(value) {
                            guard consume(UInt8(ascii: "\\")), consume(UInt8(ascii: "u")),
                                  let low = hex4(), (0xDC00...0xDFFF).contains(low) else { return nil }
                            value = 0x1_0000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                        }
                        guard let scalar = Unicode.Scalar(value) else { return nil }  // lone low surrogate
                        UTF8.encode(scalar) { buffer.append($0) }
                    default:
                        return nil
                    }
                case 0x00..<0x20:
                    return nil
                default:
                    buffer.append(c)
                }
            }
            return nil
        }

        private mutating func hex4() -> UInt32? {
            guard bytes.count - index >= 4 else { return nil }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let c = bytes[index]
                let digit: UInt8
                switch c {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt32(digit)
                index += 1
            }
            return value
        }
    }
}
