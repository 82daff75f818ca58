/// One SMTP reply: a three-digit code and its text lines (RFC 5321 4.2).
public struct SMTPReply: Sendable, Equatable, CustomStringConvertible {
    public let code: Int
    public let lines: [String]

    public init(code: Int, lines: [String]) {
        self.code = code
        self.lines = lines
    }

    /// 2xx and 3xx.
    public var isPositive: Bool { (200..<400).contains(code) }
    /// 4xx: try again later.
    public var isTransient: Bool { (400..<500).contains(code) }
    /// 5xx: do not try again.
    public var isPermanent: Bool { (500..<600).contains(code) }

    /// `550 5.1.1 no such user` (lines joined by " / ", at most 300 characters).
    public var description: String {
        let text = "\(code) " + lines.joined(separator: " / ")
        return text.count <= 300 ? text : String(text.prefix(300)) + "…"
    }

    /// The EHLO keywords (first word of each line after the greeting line), uppercased.
    public var extensions: [String: String] {
        var result: [String: String] = [:]
        for line in lines.dropFirst() {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard let keyword = parts.first else { continue }
            result[keyword.uppercased()] = parts.count > 1 ? String(parts[1]) : ""
        }
        return result
    }
}

/// Collects reply lines as they arrive: `250-first`, `250-second`, `250 last`.
public struct SMTPReplyParser: Sendable {
    private var code: Int?
    private var lines: [String] = []

    public init() {}

    public enum ParseError: Error, Sendable, Equatable {
        /// Not `DDD`, `DDD text`, or `DDD-text`; or a continuation with another code.
        case malformed(String)
    }

    /// Takes one line (without its CRLF); returns the reply once its last line came.
    public mutating func feed(_ line: String) throws(ParseError) -> SMTPReply? {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3, bytes[0...2].allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            let value = Int(String(decoding: bytes[0...2], as: UTF8.self)), (200...599).contains(value)
        else {
            throw .malformed(String(line.prefix(80)))
        }
        if let code, code != value { throw .malformed(String(line.prefix(80))) }
        code = value
        let separator: UInt8? = bytes.count > 3 ? bytes[3] : nil
        guard separator == nil || separator == UInt8(ascii: " ") || separator == UInt8(ascii: "-") else {
            throw .malformed(String(line.prefix(80)))
        }
        lines.append(bytes.count > 4 ? String(decoding: bytes[4...], as: UTF8.self) : "")
        if separator == UInt8(ascii: "-") { return nil }
        let reply = SMTPReply(code: value, lines: lines)
        self = SMTPReplyParser()
        return reply
    }
}
