/// WebSocket close codes (RFC 6455 section 7.4) and the application's own.
public struct CloseCode: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let normal = CloseCode(rawValue: 1000)
    /// The server is going down (SIGTERM).
    public static let goingAway = CloseCode(rawValue: 1001)
    public static let protocolError = CloseCode(rawValue: 1002)
    /// A binary message: the chat speaks JSON text only.
    public static let unsupportedData = CloseCode(rawValue: 1003)
    /// Text that is not UTF-8.
    public static let invalidPayload = CloseCode(rawValue: 1007)
    public static let policyViolation = CloseCode(rawValue: 1008)
    public static let messageTooBig = CloseCode(rawValue: 1009)
    public static let internalError = CloseCode(rawValue: 1011)
    /// PostgreSQL is out of reach: reconnect later (with `since` to catch up).
    public static let tryAgainLater = CloseCode(rawValue: 1013)
    /// The seed's code for a bad token (reason `認証失敗`).
    public static let authenticationFailed = CloseCode(rawValue: 4001)
    /// Ours: a good token of an inactive account (the REST API's 403).
    public static let forbidden = CloseCode(rawValue: 4003)

    public var description: String { String(rawValue) }

    /// Whether a peer may send this code in a close frame (RFC 6455 7.4.1/7.4.2: 1000-1003,
    /// 1007-1014 and the 3000-4999 range; 1004-1006, 1015 and the rest are reserved).
    public var isValidOnTheWire: Bool {
        switch rawValue {
        case 1000...1003, 1007...1014, 3000...4999: true
        default: false
        }
    }

    /// The payload of a close frame: the code, big-endian, and the reason cut to fit the
    /// 125-byte limit of control frames without splitting a character.
    public func payload(reason: String) -> [UInt8] {
        var bytes: [UInt8] = [UInt8(rawValue >> 8), UInt8(rawValue & 0xFF)]
        var used = 0
        for scalar in reason.unicodeScalars {
            let length = UTF8.width(scalar)
            guard used + length <= 123 else { break }
            UTF8.encode(scalar) { bytes.append($0) }
            used += length
        }
        return bytes
    }
}
