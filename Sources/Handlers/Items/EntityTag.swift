import AppCore
import CryptoSupport

/// Strong entity tags of JSON representations, and the `If-None-Match` / `If-Match` checks
/// (RFC 9110 §13.1).
enum EntityTag {
    /// `"<32 hex digits of SHA-256 of the body>"`.
    static func of(_ body: [UInt8]) -> String {
        "\"" + Hex.encode(SHA256Digest.hash(body).prefix(16)) + "\""
    }

    /// The tags of a header value: `"a", W/"b"`, or `*`.
    static func list(_ header: String) -> [String] {
        header.split(separator: ",").map { $0.trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
    }

    /// `If-None-Match` uses the weak comparison: `W/"x"` matches `"x"`.
    static func noneMatch(_ header: String, current: String) -> Bool {
        let tags = list(header)
        return !(tags.contains("*") || tags.contains { $0.hasPrefix("W/") ? String($0.dropFirst(2)) == current : $0 == current })
    }

    /// `If-Match` uses the strong comparison: weak tags never match.
    static func matches(_ header: String, current: String) -> Bool {
        let tags = list(header)
        return tags.contains("*") || tags.contains(current)
    }
}
