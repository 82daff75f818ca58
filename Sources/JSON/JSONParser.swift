/// Why a JSON text was rejected: a short English message (safe to show a client; it never
/// quotes the input) and the byte offset of the problem.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    public let offset: Int

    public init(message: String, offset: Int) {
        self.message = message
        self.offset = offset
    }

    public var description: String { "\(message) (byte \(offset))" }
}

extension JSONParseError {
    // The messages, worded like Python's `json` module where it has one.
    static let expectingValue = "Expecting value"
    static let expectingComma = "Expecting ',' delimiter"
    static let expectingColon = "Expecting ':' delimiter"
    static let expectingPropertyName = "Expecting property name enclosed in double quotes"
    static let trailingCommaArray = "Illegal trailing comma before end of array"
    static let trailingCommaObject = "Illegal trailing comma before end of object"
    static let extraData = "Extra data"
    static let unterminatedString = "Unterminated string"
    static let invalidControlCharacter = "Invalid control character in string"
    static let invalidEscape = "Invalid \\escape"
    static let invalidUnicodeEscape = "Invalid \\uXXXX escape"
    static let loneSurrogate = "Unpaired surrogate in \\uXXXX escape"
    static let invalidUTF8 = "Invalid UTF-8"
    static let unexpectedBOM = "Unexpected UTF-8 BOM"
    static let invalidNumber = "Invalid number"
    static let leadingZeros = "Leading zeros are not allowed"
    static let numberOutOfRange = "Number out of range"
    static let tooDeep = "Maximum nesting depth exceeded"
    static let duplicateKey = "Duplicate key"
}

/// A strict RFC 8259 parser.
///
/// Rejects: empty input, trailing data, comments, trailing commas, `NaN`/`Infinity`, leading
/// zeros, unescaped control characters in strings, invalid escapes, unpaired surrogates, invalid
/// UTF-8, a byte order mark, numbers that overflow `Double`, and nesting deeper than `maxDepth`.
/// A repeated object key keeps its first position and takes its last value (as Python's `json`),
/// unless the caller asks for repeats to be refused (`rejectingDuplicateKeys`, as JWTs are read).
/// Integers without fraction or exponent that fit `Int64` become `.int`; other numbers `.double`.
public enum JSONParser {
    /// Arrays and objects may nest this deep by default; one more level is an error.
    public static let maxDepth = 128

    /// - Parameters:
    ///   - rejectingDuplicateKeys: a key repeated in one object (at any depth) is an error.
    ///   - maxDepth: the deepest nesting of arrays and objects allowed.
    public static func parse(
        _ bytes: some Collection<UInt8>, rejectingDuplicateKeys: Bool = false,
        maxDepth: Int = JSONParser.maxDepth
    ) throws(JSONParseError) -> JSONValue {
        let options = Options(rejectingDuplicateKeys: rejectingDuplicateKeys, maxDepth: maxDepth)
        let result =
            bytes.withContiguousStorageIfAvailable { parse(buffer: $0, options: options) }
            ?? Array(bytes).withUnsafeBufferPointer { parse(buffer: $0, options: options) }
        return try result.get()
    }

    public static func parse(
        _ string: String, rejectingDuplicateKeys: Bool = false,
        maxDepth: Int = JSONParser.maxDepth
    ) throws(JSONParseError) -> JSONValue {
        var string = string
        let options = Options(rejectingDuplicateKeys: rejectingDuplicateKeys, maxDepth: maxDepth)
        return try string.withUTF8 { parse(buffer: $0, options: options) }.get()
    }

    struct Options {
        var rejectingDuplicateKeys: Bool
        var maxDepth: Int
    }

    private static func parse(buffer: UnsafeBufferPointer<UInt8>, options: Options) -> Result<JSONValue, JSONParseError> {
        var parser = Parser(input: buffer, options: options)
        do throws(JSONParseError) {
            return .success(try parser.parseDocument())
        } catch {
            return .failure(error)
        }
    }
}

private struct Parser {
    let input: UnsafeBufferPointer<UInt8>
    let end: Int
    let options: JSONParser.Options
    var pos = 0
    var depth = 0
    /// Reused buffer for strings that contain escapes.
    var scratch: [UInt8] = []

    init(input: UnsafeBufferPointer<UInt8>, options: JSONParser.Options) {
        self.input = input
        self.end = input.count
        self.options = options
    }

    @inline(__always)
    func fail(_ message: String, _ offset: Int) -> JSONParseError {
        JSONParseError(message: message, offset: offset)
    }

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        if end >= 3 && input[0] == 0xEF && input[1] == 0xBB && input[2] == 0xBF {
            throw fail(JSONParseError.unexpectedBOM, 0)
        }
        skipWhitespace()
        let value = try parseValue()
        skipWhitespace()
        if pos != end { throw fail(JSONParseError.extraData, pos) }
        return value
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < end {
            switch input[pos] {
            case 0x20, 0x0A, 0x0D, 0x09: pos &+= 1
            default: return
            }
        }
    }

    /// Parses the value at `pos` (whitespace already skipped).
    mutating func parseValue() throws(JSONParseError) -> JSONValue {
        guard pos < end else { throw fail(JSONParseError.expectingValue, pos) }
        switch input[pos] {
        case UInt8(ascii: "\""):
            return .string(try parseString())
        case UInt8(ascii: "{"):
            return try parseObject()
        case UInt8(ascii: "["):
            return try parseArray()
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return try parseNumber()
        default:
            throw fail(JSONParseError.expectingValue, pos)
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let n = literal.utf8CodeUnitCount
        guard end - pos >= n else { throw fail(JSONParseError.expectingValue, pos) }
        let p = literal.utf8Start
        for i in 0..<n where input[pos + i] != p[i] {
            throw fail(JSONParseError.expectingValue, pos)
        }
        pos += n
    }

    // MARK: Containers

    mutating func enter() throws(JSONParseError) {
        depth += 1
        if depth > options.maxDepth { throw fail(JSONParseError.tooDeep, pos) }
    }

    mutating func parseArray() throws(JSONParseError) -> JSONValue {
        try enter()
        pos += 1  // [
        skipWhitespace()
        var elements: [JSONValue] = []
        if pos < end && input[pos] == UInt8(ascii: "]") {
            pos += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue())
            if try closes(UInt8(ascii: "]"), trailingComma: JSONParseError.trailingCommaArray) { break }
        }
        depth -= 1
        return .array(elements)
    }

    mutating func parseObject() throws(JSONParseError) -> JSONValue {
        try enter()
        pos += 1  // {
        skipWhitespace()
        var object = JSONObject()
        if pos < end && input[pos] == UInt8(ascii: "}") {
            pos += 1
            depth -= 1
            return .object(object)
        }
        while true {
            guard pos < end && input[pos] == UInt8(ascii: "\"") else {
                throw fail(JSONParseError.expectingPropertyName, pos)
            }
            let keyStart = pos
            let key = try parseString()
            if options.rejectingDuplicateKeys, object.contains(key: key) {
                throw fail(JSONParseError.duplicateKey, keyStart)
            }
            skipWhitespace()
            guard pos < end && input[pos] == UInt8(ascii: ":") else {
                throw fail(JSONParseError.expectingColon, pos)
            }
            pos += 1
            skipWhitespace()
            let value = try parseValue()
            object.set(key, value)  // a repeated key: last value wins, first position kept
            if try closes(UInt8(ascii: "}"), trailingComma: JSONParseError.trailingCommaObject) { break }
        }
        depth -= 1
        return .object(object)
    }

    /// After an element of an array or object: true at the closing bracket, false after a
    /// comma that another element follows (both consumed).
    mutating func closes(_ closing: UInt8, trailingComma: String) throws(JSONParseError) -> Bool {
        skipWhitespace()
        guard pos < end else { throw fail(JSONParseError.expectingComma, pos) }
        if input[pos] == closing {
            pos += 1
            return true
        }
        guard input[pos] == UInt8(ascii: ",") else { throw fail(JSONParseError.expectingComma, pos) }
        let comma = pos
        pos += 1
        skipWhitespace()
        if pos < end && input[pos] == closing { throw fail(trailingComma, comma) }
        return false
    }

    // MARK: Strings

    /// Parses the string whose opening quote is at `pos`.
    mutating func parseString() throws(JSONParseError) -> String {
        let quote = pos
        pos += 1
        var runStart = pos
        var escaped = false
        while true {
            guard pos < end else { throw fail(JSONParseError.unterminatedString, quote) }
            let b = input[pos]
            if b == UInt8(ascii: "\"") { break }
            if b == UInt8(ascii: "\\") {
                if !escaped {
                    escaped = true
                    scratch.removeAll(keepingCapacity: true)
                }
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<pos]))
                try parseEscape(quote: quote)
                runStart = pos
                continue
            }
            if b < 0x20 { throw fail(JSONParseError.invalidControlCharacter, pos) }
            if b < 0x80 {
                pos &+= 1
            } else {
                try skipUTF8Sequence()
            }
        }
        let result: String
        if escaped {
            scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[runStart..<pos]))
            result = String(decoding: scratch, as: UTF8.self)
        } else {
            result = String(decoding: UnsafeBufferPointer(rebasing: input[runStart..<pos]), as: UTF8.self)
        }
        pos += 1  // closing quote
        return result
    }

    /// Validates one multi-byte UTF-8 sequence starting at `pos` (well-formed per Unicode
    /// table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF) and moves past it.
    @inline(__always)
    mutating func skipUTF8Sequence() throws(JSONParseError) {
        let start = pos
        let lead = input[pos]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            high = 0x9F
        case 0xF0:
            length = 4
            low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            high = 0x8F
        default: throw fail(JSONParseError.invalidUTF8, start)
        }
        guard end - start >= length else { throw fail(JSONParseError.invalidUTF8, start) }
        let second = input[start + 1]
        guard second >= low && second <= high else { throw fail(JSONParseError.invalidUTF8, start) }
        var i = start + 2
        while i < start + length {
            guard input[i] & 0xC0 == 0x80 else { throw fail(JSONParseError.invalidUTF8, start) }
            i += 1
        }
        pos = start + length
    }

    /// Parses the escape whose backslash is at `pos`, appending its UTF-8 to `scratch`.
    mutating func parseEscape(quote: Int) throws(JSONParseError) {
        let backslash = pos
        guard pos + 1 < end else { throw fail(JSONParseError.unterminatedString, quote) }
        let byte: UInt8
        switch input[pos + 1] {
        case UInt8(ascii: "\""): byte = 0x22
        case UInt8(ascii: "\\"): byte = 0x5C
        case UInt8(ascii: "/"): byte = 0x2F
        case UInt8(ascii: "b"): byte = 0x08
        case UInt8(ascii: "f"): byte = 0x0C
        case UInt8(ascii: "n"): byte = 0x0A
        case UInt8(ascii: "r"): byte = 0x0D
        case UInt8(ascii: "t"): byte = 0x09
        case UInt8(ascii: "u"):
            var scalar = UInt32(try hex4(at: pos + 2, escape: backslash))
            pos += 6
            if scalar >= 0xD800 && scalar <= 0xDBFF {
                // A high surrogate must be followed by an escaped low surrogate.
                guard end - pos >= 6, input[pos] == UInt8(ascii: "\\"), input[pos + 1] == UInt8(ascii: "u") else {
                    throw fail(JSONParseError.loneSurrogate, backslash)
                }
                let low = UInt32(try hex4(at: pos + 2, escape: pos))
                guard low >= 0xDC00 && low <= 0xDFFF else {
                    throw fail(JSONParseError.loneSurrogate, backslash)
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                pos += 6
            } else if scalar >= 0xDC00 && scalar <= 0xDFFF {
                throw fail(JSONParseError.loneSurrogate, backslash)
            }
            appendUTF8(scalar)
            return
        default:
            throw fail(JSONParseError.invalidEscape, backslash)
        }
        scratch.append(byte)
        pos += 2
    }

    func hex4(at start: Int, escape: Int) throws(JSONParseError) -> UInt16 {
        guard end - start >= 4 else { throw fail(JSONParseError.invalidUnicodeEscape, escape) }
        var value: UInt16 = 0
        for i in start..<start + 4 {
            let c = input[i]
            let digit: UInt8
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = c - UInt8(ascii: "A") + 10
            default: throw fail(JSONParseError.invalidUnicodeEscape, escape)
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    // MARK: Numbers

    @inline(__always)
    func isDigit(_ i: Int) -> Bool {
        i < end && input[i] &- UInt8(ascii: "0") < 10
    }

    /// number = [ "-" ] ( "0" / [1-9] *DIGIT ) [ "." 1*DIGIT ] [ ( "e" / "E" ) [ "+" / "-" ] 1*DIGIT ]
    mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = pos
        let negative = input[pos] == UInt8(ascii: "-")
        if negative { pos += 1 }
        guard isDigit(pos) else { throw fail(JSONParseError.invalidNumber, pos) }

        // Significant digits, for the exact fast path of the double conversion.
        var mantissa: UInt64 = 0
        var significantDigits = 0

        let integerStart = pos
        if input[pos] == UInt8(ascii: "0") {
            pos += 1
            if isDigit(pos) { throw fail(JSONParseError.leadingZeros, start) }
        } else {
            while isDigit(pos) {
                let d = UInt64(input[pos] &- UInt8(ascii: "0"))
                if significantDigits < 19 { mantissa = mantissa &* 10 &+ d }
                significantDigits += 1
                pos += 1
            }
        }
        let integerEnd = pos

        var isInteger = true
        var fractionDigits = 0
        if pos < end && input[pos] == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            guard isDigit(pos) else { throw fail(JSONParseError.invalidNumber, pos) }
            while isDigit(pos) {
                let d = UInt64(input[pos] &- UInt8(ascii: "0"))
                if mantissa != 0 || d != 0 {
                    if significantDigits < 19 { mantissa = mantissa &* 10 &+ d }
                    significantDigits += 1
                }
                fractionDigits += 1
                pos += 1
            }
        }

        var exponent = 0
        if pos < end && (input[pos] == UInt8(ascii: "e") || input[pos] == UInt8(ascii: "E")) {
            isInteger = false
            pos += 1
            var exponentNegative = false
            if pos < end && (input[pos] == UInt8(ascii: "+") || input[pos] == UInt8(ascii: "-")) {
                exponentNegative = input[pos] == UInt8(ascii: "-")
                pos += 1
            }
            guard isDigit(pos) else { throw fail(JSONParseError.invalidNumber, pos) }
            while isDigit(pos) {
                if exponent < 100_000 { exponent = exponent * 10 + Int(input[pos] &- UInt8(ascii: "0")) }
                pos += 1
            }
            if exponentNegative { exponent = -exponent }
        }

        if isInteger {
            if integerEnd - integerStart <= 18 {
                // At most 18 digits: fits Int64 without overflow checks.
                let magnitude = Int64(mantissa)
                return .int(negative ? -magnitude : magnitude)
            }
            var value: Int64 = 0
            var overflow = false
            for i in integerStart..<integerEnd {
                let d = Int64(input[i] &- UInt8(ascii: "0"))
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (next, o2) = negative ? times10.subtractingReportingOverflow(d) : times10.addingReportingOverflow(d)
                if o1 || o2 {
                    overflow = true
                    break
                }
                value = next
            }
            if !overflow { return .int(value) }
            // Too large for Int64: falls through to Double.
        }

        // Exact fast path: a mantissa below 10^15 (< 2^53) and a power of ten up to 10^22 are
        // both exact doubles, so one multiplication or division rounds correctly.
        let power = exponent - fractionDigits
        if significantDigits <= 15 && power >= -22 && power <= 22 {
            var value = Double(mantissa)
            if mantissa != 0 {
                var scale = 1.0
                for _ in 0..<power.magnitude { scale *= 10 }
                value = power < 0 ? value / scale : value * scale
            }
            return .double(negative ? -value : value)
        }
        if mantissa == 0 && significantDigits == 0 {
            return .double(negative ? -0.0 : 0.0)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: input[start..<pos]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw fail(JSONParseError.numberOutOfRange, start)
        }
        return .double(value)
    }
}
