/// A request path in the one form routes are matched in: segments separated by single slashes,
/// no empty, `.` or `..` segments (RFC 3986 §5.2.4), a trailing slash kept.
///
/// `//api/v1/auth/token`, `/api/v1//auth/token` and `/api/v1/x/../auth/token` all name
/// `/api/v1/auth/token`; the router redirects them there (308), so that every policy, the rate
/// limit's login rule among them, sees one path per operation.
///
/// ```swift
/// let path = CanonicalPath("//api/v1/items")
/// path.isCanonical            // false
/// path.text                   // "/api/v1/items"
/// path.location(query: "a=1") // "/api/v1/items?a=1" (percent-encoded, never "//…")
/// ```
public struct CanonicalPath: Sendable, Equatable {
    /// The path's segments, without empty and dot segments.
    public let segments: [Substring]
    public let trailingSlash: Bool
    /// The path as the request gave it (percent-decoded).
    public let original: String

    public init(_ path: String) {
        original = path
        var segments: [Substring] = []
        var trailingSlash = false
        // On UTF-8 bytes: '/' never occurs inside a multi-byte character, and splitting by
        // Character would walk grapheme clusters on every request.
        let bytes = path.utf8
        for part in bytes.split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            trailingSlash = false
            if part.isEmpty {
                trailingSlash = true
            } else if part.elementsEqual(".".utf8) {
                trailingSlash = true
            } else if part.elementsEqual("..".utf8) {
                if !segments.isEmpty { segments.removeLast() }
                trailingSlash = true
            } else {
                segments.append(Substring(part))
            }
        }
        self.segments = segments
        self.trailingSlash = trailingSlash && !segments.isEmpty
    }

    /// The canonical path as text (`/` for the root).
    public var text: String {
        segments.isEmpty ? "/" : "/" + segments.joined(separator: "/") + (trailingSlash ? "/" : "")
    }

    /// The request's path is already canonical (the common case, checked without building `text`).
    public var isCanonical: Bool {
        let bytes = original.utf8
        guard bytes.first == UInt8(ascii: "/") else { return false }
        var previousWasSlash = false
        var index = bytes.startIndex
        while index != bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "/") {
                if previousWasSlash { return false }
                previousWasSlash = true
            } else {
                if previousWasSlash, byte == UInt8(ascii: ".") {
                    // A segment of "." or ".." (anything longer is a name).
                    let next = bytes.index(after: index)
                    if next == bytes.endIndex || bytes[next] == UInt8(ascii: "/") { return false }
                    if bytes[next] == UInt8(ascii: ".") {
                        let after = bytes.index(after: next)
                        if after == bytes.endIndex || bytes[after] == UInt8(ascii: "/") { return false }
                    }
                }
                previousWasSlash = false
            }
            index = bytes.index(after: index)
        }
        return true
    }

    /// A `Location` for this path, with or without its trailing slash: each segment
    /// percent-encoded (RFC 3986 `pchar`), the query's bytes outside visible ASCII encoded. It
    /// always starts with one `/` followed by a segment or nothing, so it is never
    /// scheme-relative.
    public func location(trailingSlash: Bool? = nil, query: String?) -> String {
        let slash = trailingSlash ?? self.trailingSlash
        var location = "/" + segments.map { Self.encodeSegment($0) }.joined(separator: "/")
        if slash, !segments.isEmpty { location += "/" }
        if let query, !query.isEmpty { location += "?" + Self.encodeQuery(query) }
        return location
    }

    static func encodeSegment(_ segment: Substring) -> String {
        percentEncode(segment.utf8) { byte in
            isUnreserved(byte) || "!$&'()*+,;=:@".utf8.contains(byte)
        }
    }

    /// The query as received is kept, but for bytes a header may not carry.
    static func encodeQuery(_ query: String) -> String {
        percentEncode(query.utf8) { $0 > 0x20 && $0 < 0x7F }
    }

    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    static func percentEncode(_ bytes: some Sequence<UInt8>, keeping: (UInt8) -> Bool) -> String {
        let hex = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        for byte in bytes {
            if keeping(byte) {
                output.append(byte)
            } else {
                output += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
