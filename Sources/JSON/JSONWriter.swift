/// Serialises JSON into a byte buffer: UTF-8, no spaces, non-ASCII left raw — the output of
/// Python's `json.dumps(..., separators=(",", ":"), ensure_ascii=False)`, except that U+2028 and
/// U+2029 are escaped too (so the text is also safe inside JavaScript). With `asciiOnly` (what
/// JWTs need, as python-jose writes them), everything outside printable ASCII is escaped as
/// Python's `ensure_ascii=True` does: lowercase `\uXXXX`, surrogate pairs above U+FFFF. Numbers
/// are written as Python writes them (`repr(float)`), byte for byte.
///
/// Besides `write(_:)` for a whole `JSONValue`, the writer is a streaming builder:
///
///     var w = JSONWriter()
///     w.beginObject()
///     w.key("id"); w.value(42)
///     w.key("tags"); w.beginArray(); w.value("a"); w.value("b"); w.endArray()
///     w.endObject()
///     // {"id":42,"tags":["a","b"]}
///
/// Commas are placed automatically: every value or key is preceded by a comma unless it is the
/// first thing in its array or object (or follows a key). The writer decides this from the last
/// byte written, which is `[`, `{` or `:` exactly when no comma is due, so nesting needs no
/// separate stack and no allocation. Unbalanced begin/end calls are not detected.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8]
    /// Escape everything outside printable ASCII (Python's `ensure_ascii=True`).
    public let asciiOnly: Bool

    public init(capacity: Int = 256, asciiOnly: Bool = false) {
        bytes = []
        bytes.reserveCapacity(capacity)
        self.asciiOnly = asciiOnly
    }

    /// The bytes written so far as a `String`.
    public var string: String { String(decoding: bytes, as: UTF8.self) }

    /// Writes a whole value (with a leading comma when one is due).
    public mutating func write(_ value: JSONValue) {
        separate()
        appendValue(value)
    }

    /// Writes a quoted, escaped string value (with a leading comma when one is due).
    /// Escapes `"`, `\`, control characters (`\n \r \t \b \f`, others `\u00XX`) and U+2028/U+2029;
    /// other non-ASCII text stays raw UTF-8.
    public mutating func writeString(_ s: String) {
        separate()
        appendQuoted(s)
    }

    // MARK: - Streaming builder

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
    }

    /// Writes the comma when needed, the quoted key and `:`.
    public mutating func key(_ k: String) {
        separate()
        appendQuoted(k)
        bytes.append(UInt8(ascii: ":"))
    }

    /// A key quoted and escaped in advance (`JSONKey`): for the keys of objects written on
    /// every response.
    public mutating func key(_ k: JSONKey) {
        separate()
        bytes.append(contentsOf: k.encoded)
    }

    public mutating func value(_ s: String) {
        separate()
        appendQuoted(s)
    }

    public mutating func value(_ i: Int) {
        separate()
        appendInteger(Int64(i))
    }

    public mutating func value(_ i: Int64) {
        separate()
        appendInteger(i)
    }

    /// A non-finite double (which JSON cannot represent) is written as `null`.
    public mutating func value(_ d: Double) {
        separate()
        appendDouble(d)
    }

    public mutating func value(_ b: Bool) {
        separate()
        appendASCII(b ? "true" : "false")
    }

    public mutating func value(_ v: JSONValue) {
        write(v)
    }

    public mutating func valueNull() {
        separate()
        appendASCII("null")
    }

    public mutating func value(_ s: String?) {
        if let s { value(s) } else { valueNull() }
    }

    public mutating func value(_ i: Int?) {
        if let i { value(i) } else { valueNull() }
    }

    public mutating func value(_ i: Int64?) {
        if let i { value(i) } else { valueNull() }
    }

    public mutating func value(_ d: Double?) {
        if let d { value(d) } else { valueNull() }
    }

    public mutating func value(_ b: Bool?) {
        if let b { value(b) } else { valueNull() }
    }

    public mutating func value(_ v: JSONValue?) {
        if let v { write(v) } else { valueNull() }
    }

    // MARK: - Internals

    /// Appends a comma unless the buffer is empty or ends with `[`, `{` or `:`.
    @inline(__always)
    private mutating func separate() {
        guard let last = bytes.last else { return }
        if last != UInt8(ascii: "[") && last != UInt8(ascii: "{") && last != UInt8(ascii: ":") {
            bytes.append(UInt8(ascii: ","))
        }
    }

    @inline(__always)
    private mutating func appendASCII(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    private mutating func appendValue(_ value: JSONValue) {
        switch value {
        case .null:
            appendASCII("null")
        case .bool(let b):
            appendASCII(b ? "true" : "false")
        case .int(let i):
            appendInteger(i)
        case .double(let d):
            appendDouble(d)
        case .string(let s):
            appendQuoted(s)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                appendValue(element)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            var first = true
            for (k, v) in object {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                appendQuoted(k)
                bytes.append(UInt8(ascii: ":"))
                appendValue(v)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    private mutating func appendInteger(_ value: Int64) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var m = value.magnitude
        if m < 10 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: m))
            return
        }
        // UInt64.max has 20 digits.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var i = 20
            while m > 0 {
                i -= 1
                buffer[i] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: m % 10)
                m /= 10
            }
            bytes.append(contentsOf: UnsafeMutableBufferPointer(rebasing: buffer[i..<20]))
        }
    }

    private mutating func appendDouble(_ d: Double) {
        guard d.isFinite else {
            appendASCII("null")
            return
        }
        // Integral values of moderate size print as "<integer>.0" (what `description` and Python's
        // repr give below 1e16) without building a String. -0.0 takes the general path.
        if d.magnitude < 1e15, d.rounded(.towardZero) == d, !(d == 0 && d.sign == .minus) {
            appendInteger(Int64(d))
            appendASCII(".0")
            return
        }
        PythonFloat.append(d, to: &bytes)
    }

    private mutating func appendQuoted(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        if asciiOnly {
            appendEscapedASCII(s)
        } else {
            var s = s
            s.withUTF8 { appendEscaped($0) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Python's `ensure_ascii=True`: the usual short escapes, every other character outside
    /// printable ASCII as `\uXXXX` (lowercase), above U+FFFF as a surrogate pair.
    private mutating func appendEscapedASCII(_ s: String) {
        func appendUnit(_ unit: UInt32) {
            appendASCII("\\u")
            Self.hexDigits.withUTF8Buffer { hex in
                for shift in [12, 8, 4, 0] { bytes.append(hex[Int(unit >> UInt32(shift) & 0xF)]) }
            }
        }
        for scalar in s.unicodeScalars {
            let v = scalar.value
            switch v {
            case 0x22: appendASCII("\\\"")
            case 0x5C: appendASCII("\\\\")
            case 0x0A: appendASCII("\\n")
            case 0x0D: appendASCII("\\r")
            case 0x09: appendASCII("\\t")
            case 0x08: appendASCII("\\b")
            case 0x0C: appendASCII("\\f")
            case 0x20...0x7E: bytes.append(UInt8(v))
            case 0..<0x1_0000: appendUnit(v)
            default:
                let offset = v - 0x1_0000
                appendUnit(0xD800 + (offset >> 10))
                appendUnit(0xDC00 + (offset & 0x3FF))
            }
        }
    }

    private static let hexDigits: StaticString = "0123456789abcdef"

    /// Copies runs of bytes that need no escaping at once; escapes the rest.
    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        let n = utf8.count
        var runStart = 0
        var i = 0
        while i < n {
            let b = utf8[i]
            if b >= 0x20 && b != 0x22 && b != 0x5C && b != 0xE2 {
                i &+= 1
                continue
            }
            if b == 0xE2 {
                // U+2028 is E2 80 A8, U+2029 is E2 80 A9.
                if i + 2 < n && utf8[i + 1] == 0x80 && (utf8[i + 2] == 0xA8 || utf8[i + 2] == 0xA9) {
                    flush(utf8, from: runStart, to: i)
                    appendASCII(utf8[i + 2] == 0xA8 ? "\\u2028" : "\\u2029")
                    i += 3
                    runStart = i
                } else {
                    i &+= 1
                }
                continue
            }
            flush(utf8, from: runStart, to: i)
            switch b {
            case 0x22: appendASCII("\\\"")
            case 0x5C: appendASCII("\\\\")
            case 0x0A: appendASCII("\\n")
            case 0x0D: appendASCII("\\r")
            case 0x09: appendASCII("\\t")
            case 0x08: appendASCII("\\b")
            case 0x0C: appendASCII("\\f")
            default:
                appendASCII("\\u00")
                Self.hexDigits.withUTF8Buffer { hex in
                    bytes.append(hex[Int(b >> 4)])
                    bytes.append(hex[Int(b & 0x0F)])
                }
            }
            i += 1
            runStart = i
        }
        flush(utf8, from: runStart, to: n)
    }

    @inline(__always)
    private mutating func flush(_ utf8: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) {
        if start < end {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<end]))
        }
    }
}

/// An object key, quoted and escaped once, with its colon:
///
///     enum Keys { static let id = JSONKey("id") }
///     json.key(Keys.id)   // same bytes as json.key("id")
public struct JSONKey: Sendable {
    let encoded: [UInt8]

    public init(_ name: String) {
        var writer = JSONWriter(capacity: name.utf8.count + 3)
        writer.key(name)
        encoded = writer.bytes
    }
}
