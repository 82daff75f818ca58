/// A syntactically valid bcrypt hash in modular-crypt form: `$2b$12$` followed by 22 salt and
/// 31 checksum characters of bcrypt's base64 alphabet (60 characters in all).
struct BcryptHash {
    /// The variant letter: `a`, `b` or `y` (they differ only in bugs of other implementations;
    /// libxcrypt computes all three the same way for UTF-8 passwords of up to 72 bytes).
    let variant: UInt8
    /// The cost (log2 of the rounds), 4...31.
    let cost: Int

    static let length = 60

    /// Parses `text`; `nil` for anything that is not exactly such a hash.
    init?(_ text: String) {
        var utf8 = text.utf8.makeIterator()
        var bytes = [UInt8]()
        bytes.reserveCapacity(Self.length)
        while let byte = utf8.next() {
            guard bytes.count < Self.length else { return nil }
            bytes.append(byte)
        }
        guard bytes.count == Self.length,
            bytes[0] == UInt8(ascii: "$"), bytes[1] == UInt8(ascii: "2"),
            bytes[3] == UInt8(ascii: "$"), bytes[6] == UInt8(ascii: "$")
        else { return nil }
        switch bytes[2] {
        case UInt8(ascii: "a"), UInt8(ascii: "b"), UInt8(ascii: "y"): variant = bytes[2]
        default: return nil
        }
        let zero = UInt8(ascii: "0")
        guard (zero...zero + 9).contains(bytes[4]), (zero...zero + 9).contains(bytes[5]) else { return nil }
        cost = Int(bytes[4] - zero) * 10 + Int(bytes[5] - zero)
        guard PasswordHasher.costRange.contains(cost) else { return nil }
        guard bytes[7...].allSatisfy(Self.isAlphabet) else { return nil }
    }

    /// `./A-Za-z0-9`, the alphabet of bcrypt's salt and checksum.
    private static func isAlphabet(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "."), UInt8(ascii: "/"),
            UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return false
        }
    }
}
