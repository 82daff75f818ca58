/// Lowercase hexadecimal.
public enum Hex {
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        let digits: StaticString = "0123456789abcdef"
        return digits.withUTF8Buffer { hex in
            String(unsafeUninitializedCapacity: bytes.count * 2) { out in
                var i = 0
                for byte in bytes {
                    out[i] = hex[Int(byte >> 4)]
                    out[i + 1] = hex[Int(byte & 0x0F)]
                    i += 2
                }
                return i
            }
        }
    }

    /// The bytes of a hex string (either case); `nil` for an odd length or a non-hex character.
    public static func decode(_ s: String) -> [UInt8]? {
        let utf8 = Array(s.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var result = [UInt8]()
        result.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let high = nibble(utf8[i]), let low = nibble(utf8[i + 1]) else { return nil }
            result.append(high << 4 | low)
            i += 2
        }
        return result
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}

/// Standard base64 (RFC 4648 §4, `+` and `/`, padded), as MIME bodies, encoded words and SMTP
/// AUTH use it.
public enum Base64 {
    /// Encodes with `=` padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        Base64Coding.encode(bytes, alphabet: Base64Coding.standard, padded: true)
    }

    /// Decodes padded or unpadded base64 with the same strictness as `Base64URL.decode`.
    public static func decode(_ s: String) -> [UInt8]? {
        Base64Coding.decode(s, char62: UInt8(ascii: "+"), char63: UInt8(ascii: "/"))
    }
}

/// Base64 with the URL- and filename-safe alphabet (RFC 4648 §5: `-` and `_` for `+` and `/`).
public enum Base64URL {
    /// Encodes without padding.
    public static func encode(_ bytes: some Collection<UInt8>) -> String {
        Base64Coding.encode(bytes, alphabet: Base64Coding.urlSafe, padded: false)
    }

    /// Decodes unpadded or correctly padded base64url. Returns `nil` for a character outside the
    /// alphabet (including `+`, `/` and whitespace), misplaced or excess `=`, an impossible length,
    /// or non-zero unused bits in the last character (so each byte string has one encoding).
    public static func decode(_ s: String) -> [UInt8]? {
        Base64Coding.decode(s, char62: UInt8(ascii: "-"), char63: UInt8(ascii: "_"))
    }
}

/// The coding both alphabets share.
enum Base64Coding {
    static let standard: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    static let urlSafe: StaticString = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

    static func encode(_ bytes: some Collection<UInt8>, alphabet: StaticString, padded: Bool) -> String {
        let count = bytes.count
        let length = padded ? (count + 2) / 3 * 4 : (count * 4 + 2) / 3
        return alphabet.withUTF8Buffer { table in
            String(unsafeUninitializedCapacity: length) { out in
                var o = 0
                var iterator = bytes.makeIterator()
                while let b0 = iterator.next() {
                    let b1 = iterator.next()
                    let b2 = iterator.next()
                    out[o] = table[Int(b0 >> 2)]
                    if let b1 {
                        out[o + 1] = table[Int((b0 & 0x03) << 4 | b1 >> 4)]
                        if let b2 {
                            out[o + 2] = table[Int((b1 & 0x0F) << 2 | b2 >> 6)]
                            out[o + 3] = table[Int(b2 & 0x3F)]
                            o += 4
                        } else {
                            out[o + 2] = table[Int((b1 & 0x0F) << 2)]
                            o += 3
                        }
                    } else {
                        out[o + 1] = table[Int((b0 & 0x03) << 4)]
                        o += 2
                    }
                }
                if padded {
                    while o % 4 != 0 {
                        out[o] = UInt8(ascii: "=")
                        o += 1
                    }
                }
                return o
            }
        }
    }

    static func decode(_ s: String, char62: UInt8, char63: UInt8) -> [UInt8]? {
        var chars = Array(s.utf8)
        // Strip padding, which is accepted only when it completes a 4-character group.
        if let firstPad = chars.firstIndex(of: UInt8(ascii: "=")) {
            let padCount = chars.count - firstPad
            guard padCount <= 2, chars.count % 4 == 0,
                chars[firstPad...].allSatisfy({ $0 == UInt8(ascii: "=") })
            else { return nil }
            chars.removeLast(padCount)
        }
        let remainder = chars.count % 4
        guard remainder != 1 else { return nil }

        var result = [UInt8]()
        result.reserveCapacity(chars.count / 4 * 3 + 2)
        var accumulator: UInt32 = 0
        var bits = 0
        for c in chars {
            guard let v = value(of: c, char62: char62, char63: char63) else { return nil }
            accumulator = accumulator << 6 | UInt32(v)
            bits += 6
            if bits >= 8 {
                bits -= 8
                result.append(UInt8(truncatingIfNeeded: accumulator >> UInt32(bits)))
                accumulator &= (1 << UInt32(bits)) - 1
            }
        }
        // Leftover bits (2 or 4) must be zero.
        guard accumulator == 0 else { return nil }
        return result
    }

    private static func value(of c: UInt8, char62: UInt8, char63: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): return c - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): return c - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0") + 52
        case char62: return 62
        case char63: return 63
        default: return nil
        }
    }
}
