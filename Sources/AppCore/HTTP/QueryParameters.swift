/// The decoded pairs of a query string (`a=1&b=x+y`), in order; a name may repeat.
public struct QueryParameters: Sendable {
    public private(set) var pairs: [(name: String, value: String)]

    public init(_ pairs: [(name: String, value: String)] = []) {
        self.pairs = pairs
    }

    /// Parses `application/x-www-form-urlencoded` text: `+` is a space, `%XX` a byte.
    /// Malformed escapes are kept literally (as browsers and Starlette do).
    public init(parsing query: Substring) {
        var pairs: [(name: String, value: String)] = []
        for part in query.split(separator: "&", omittingEmptySubsequences: true) {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = PercentDecoding.decode(pieces[0], plusIsSpace: true)
            let value = pieces.count > 1 ? PercentDecoding.decode(pieces[1], plusIsSpace: true) : ""
            pairs.append((name, value))
        }
        self.pairs = pairs
    }

    public init(parsing query: String) {
        self.init(parsing: query[...])
    }

    /// The first value of `name`.
    public subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }
}

/// Percent-decoding of URL components.
public enum PercentDecoding {
    public static func decode(_ text: Substring, plusIsSpace: Bool) -> String {
        let utf8 = text.utf8
        guard utf8.contains(where: { $0 == UInt8(ascii: "%") || (plusIsSpace && $0 == UInt8(ascii: "+")) }) else {
            return String(text)
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var index = utf8.startIndex
        while index != utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"),
                let h = utf8.index(index, offsetBy: 1, limitedBy: utf8.endIndex), h != utf8.endIndex,
                let l = utf8.index(h, offsetBy: 1, limitedBy: utf8.endIndex), l != utf8.endIndex,
                let high = hexValue(utf8[h]), let low = hexValue(utf8[l])
            {
                out.append(high << 4 | low)
                index = utf8.index(after: l)
                continue
            }
            out.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index = utf8.index(after: index)
        }
        // Invalid UTF-8 becomes U+FFFD, as Starlette's unquote does.
        return String(decoding: out, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
