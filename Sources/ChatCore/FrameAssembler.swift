/// The receiving half of RFC 6455 for a server: checks each frame a client sends and joins
/// fragments into messages. Pure: the daemon feeds it the frames SwiftNIO decoded and does what
/// it returns.
///
/// Fails the connection (the close code to send) when the client:
/// - sends an unmasked frame (1002; section 5.1), sets a reserved bit without an extension
///   (1002; none is negotiated), or uses a reserved opcode (1002);
/// - sends a fragmented or over-long (>125 bytes) control frame (1002), a continuation without
///   a message under way, or a new message before the last fragment of the previous one (1002);
/// - sends a close frame with a 1-byte payload, a code that may not be sent, or a reason that is
///   not UTF-8 (1002, 1002, 1007);
/// - makes a message larger than `maxMessageBytes` (1009), or a text message that is not UTF-8
///   (1007, section 8.1).
/// Control frames may arrive between the fragments of a message; they are answered at once.
public struct FrameAssembler: Sendable {
    /// One frame as the wire carries it, payload already unmasked.
    public struct Frame: Sendable, Equatable {
        public var fin: Bool
        /// RSV1-3 as the low three bits.
        public var reservedBits: UInt8
        public var opcode: UInt8
        public var masked: Bool
        public var payload: [UInt8]

        public init(fin: Bool = true, reservedBits: UInt8 = 0, opcode: UInt8, masked: Bool = true, payload: [UInt8] = []) {
            self.fin = fin
            self.reservedBits = reservedBits
            self.opcode = opcode
            self.masked = masked
            self.payload = payload
        }
    }

    public enum Output: Sendable, Equatable {
        /// A fragment was kept; nothing to do yet.
        case none
        case text(String)
        case binary([UInt8])
        case ping([UInt8])
        case pong([UInt8])
        /// The client closes: answer with a close frame (echoing `code`, or 1000 without one).
        case close(code: CloseCode?, reason: String)
        /// Protocol violation: send a close frame with this code and close the connection.
        case fail(CloseCode, reason: String)
    }

    public static let continuation: UInt8 = 0x0
    public static let text: UInt8 = 0x1
    public static let binary: UInt8 = 0x2
    public static let close: UInt8 = 0x8
    public static let ping: UInt8 = 0x9
    public static let pong: UInt8 = 0xA

    public let maxMessageBytes: Int
    private var fragmentOpcode: UInt8?
    private var fragments: [UInt8] = []

    public init(maxMessageBytes: Int) {
        self.maxMessageBytes = maxMessageBytes
    }

    /// True while a fragmented message is under way.
    public var isAssembling: Bool { fragmentOpcode != nil }

    public mutating func receive(_ frame: Frame) -> Output {
        guard frame.masked else { return fail(.protocolError, "client frames must be masked") }
        guard frame.reservedBits == 0 else { return fail(.protocolError, "reserved bits set without an extension") }
        switch frame.opcode {
        case Self.close, Self.ping, Self.pong:
            guard frame.fin else { return fail(.protocolError, "fragmented control frame") }
            guard frame.payload.count <= 125 else { return fail(.protocolError, "control frame longer than 125 bytes") }
            return control(frame)
        case Self.continuation:
            guard let opcode = fragmentOpcode else { return fail(.protocolError, "continuation frame without a message") }
            guard fragments.count + frame.payload.count <= maxMessageBytes else {
                return fail(.messageTooBig, "message too big")
            }
            fragments.append(contentsOf: frame.payload)
            guard frame.fin else { return .none }
            let payload = fragments
            fragments = []
            fragmentOpcode = nil
            return complete(opcode: opcode, payload: payload)
        case Self.text, Self.binary:
            guard fragmentOpcode == nil else { return fail(.protocolError, "new message before the last one ended") }
            guard frame.payload.count <= maxMessageBytes else { return fail(.messageTooBig, "message too big") }
            if frame.fin { return complete(opcode: frame.opcode, payload: frame.payload) }
            fragmentOpcode = frame.opcode
            fragments = frame.payload
            return .none
        default:
            return fail(.protocolError, "reserved opcode")
        }
    }

    private func control(_ frame: Frame) -> Output {
        switch frame.opcode {
        case Self.ping:
            return .ping(frame.payload)
        case Self.pong:
            return .pong(frame.payload)
        default:
            let payload = frame.payload
            if payload.isEmpty { return .close(code: nil, reason: "") }
            guard payload.count >= 2 else { return .fail(.protocolError, reason: "close frame with a 1-byte payload") }
            let code = CloseCode(rawValue: UInt16(payload[0]) << 8 | UInt16(payload[1]))
            guard code.isValidOnTheWire else { return .fail(.protocolError, reason: "invalid close code") }
            guard let reason = String(validating: payload[2...], as: UTF8.self) else {
                return .fail(.invalidPayload, reason: "close reason is not UTF-8")
            }
            return .close(code: code, reason: reason)
        }
    }

    private func complete(opcode: UInt8, payload: [UInt8]) -> Output {
        guard opcode == Self.text else { return .binary(payload) }
        guard let text = String(validating: payload, as: UTF8.self) else {
            return .fail(.invalidPayload, reason: "text message is not UTF-8")
        }
        return .text(text)
    }

    private mutating func fail(_ code: CloseCode, _ reason: String) -> Output {
        fragments = []
        fragmentOpcode = nil
        return .fail(code, reason: reason)
    }
}

/// Server frames: unmasked, never fragmented. The header is written once per message and the
/// same bytes go to every member of a room.
public enum ServerFrame {
    /// The header of a final frame with `opcode` and a payload of `length` bytes (2, 4 or 10 bytes).
    public static func header(opcode: UInt8, length: Int) -> [UInt8] {
        precondition(length >= 0)
        let first = 0x80 | (opcode & 0x0F)
        switch length {
        case 0...125:
            return [first, UInt8(length)]
        case 126...0xFFFF:
            return [first, 126, UInt8(length >> 8), UInt8(length & 0xFF)]
        default:
            var bytes: [UInt8] = [first, 127]
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: length >> shift)) }
            return bytes
        }
    }

    /// A whole frame: header and payload.
    public static func frame(opcode: UInt8, payload: [UInt8]) -> [UInt8] {
        header(opcode: opcode, length: payload.count) + payload
    }
}
