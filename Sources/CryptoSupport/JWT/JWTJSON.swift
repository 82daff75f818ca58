import JSON

/// The JSON of JWT headers and payloads, read and written by the JSON module: one object whose
/// members are strings, numbers, booleans, null, or nested arrays/objects (kept as compact text
/// in `JWTClaim.other`).
///
/// Reading is strict RFC 8259 (`JSONParser`), and stricter than python-jose in two ways: no
/// duplicate member names at any depth, and nesting at most `maxDepth` levels below the object.
/// Writing matches Python's `json.dumps(obj, separators=(",", ":"))`, as python-jose uses it:
/// no whitespace, everything outside printable ASCII escaped, floats as Python's `repr`
/// (`JSONWriter(asciiOnly: true)`).
enum JWTJSON {
    static let maxDepth = 32

    /// The members of the JSON object `bytes`, in order; `nil` if `bytes` is not exactly one
    /// valid JSON object (surrounding whitespace allowed).
    static func parseObject(_ bytes: some Collection<UInt8>) -> [(String, JWTClaim)]? {
        guard case .object(let object)? = try? JSONParser.parse(bytes, rejectingDuplicateKeys: true, maxDepth: maxDepth + 1)
        else { return nil }
        return object.map { ($0.key, claim($0.value)) }
    }

    static func claim(_ value: JSONValue) -> JWTClaim {
        switch value {
        case .string(let text): .string(text)
        case .int(let number): .int(number)
        case .double(let number): .double(number)
        case .bool(let flag): .bool(flag)
        case .null: .null
        case .array, .object: .other(value.jsonString)
        }
    }

    /// `members` as a compact JSON object.
    static func encodeObject(_ members: [(String, JWTClaim)]) -> [UInt8] {
        var writer = JSONWriter(capacity: 128, asciiOnly: true)
        writer.beginObject()
        for (name, value) in members {
            writer.key(name)
            write(value, to: &writer)
        }
        writer.endObject()
        return writer.bytes
    }

    static func write(_ claim: JWTClaim, to writer: inout JSONWriter) {
        switch claim {
        case .string(let text): writer.value(text)
        case .int(let number): writer.value(number)
        case .double(let number): writer.value(number)
        case .bool(let flag): writer.value(flag)
        case .null: writer.valueNull()
        case .other(let text):
            // Only an array or object is written as itself; anything else is null.
            switch try? JSONParser.parse(text, rejectingDuplicateKeys: true, maxDepth: maxDepth) {
            case let composite? where composite.arrayValue != nil || composite.objectValue != nil:
                writer.write(composite)
            default:
                writer.valueNull()
            }
        }
    }
}
