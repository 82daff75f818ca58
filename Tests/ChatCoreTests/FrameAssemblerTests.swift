import ChatCore
import Testing

/// RFC 6455 receiving rules of a server, without sockets.
struct FrameAssemblerTests {
    typealias Frame = FrameAssembler.Frame
    var assembler = FrameAssembler(maxMessageBytes: 16)

    func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

    @Test mutating func singleFramesAndControlFrames() {
        let r1 = assembler.receive(Frame(opcode: FrameAssembler.text, payload: bytes("hello")))
        #expect(r1 == .text("hello"))
        let r2 = assembler.receive(Frame(opcode: FrameAssembler.binary, payload: [1, 2]))
        #expect(r2 == .binary([1, 2]))
        let r3 = assembler.receive(Frame(opcode: FrameAssembler.ping, payload: [9]))
        #expect(r3 == .ping([9]))
        let r4 = assembler.receive(Frame(opcode: FrameAssembler.pong))
        #expect(r4 == .pong([]))
        let r5 = assembler.receive(Frame(opcode: FrameAssembler.text))
        #expect(r5 == .text(""))
    }

    @Test mutating func fragmentsWithControlFramesBetween() {
        let r6 = assembler.receive(Frame(fin: false, opcode: FrameAssembler.text, payload: bytes("he")))
        #expect(r6 == .none)
        #expect(assembler.isAssembling)
        let r7 = assembler.receive(Frame(opcode: FrameAssembler.ping, payload: bytes("p")))
        #expect(r7 == .ping(bytes("p")))
        let r8 = assembler.receive(Frame(fin: false, opcode: FrameAssembler.continuation, payload: bytes("ll")))
        #expect(r8 == .none)
        let r9 = assembler.receive(Frame(opcode: FrameAssembler.pong))
        #expect(r9 == .pong([]))
        let r10 = assembler.receive(Frame(opcode: FrameAssembler.continuation, payload: bytes("o")))
        #expect(r10 == .text("hello"))
        #expect(!assembler.isAssembling)
        let r11 = assembler.receive(Frame(opcode: FrameAssembler.text, payload: bytes("next")))
        #expect(r11 == .text("next"))
    }

    @Test mutating func utf8IsCheckedOnTheWholeMessage() {
        // "é" split between two fragments is valid once joined.
        let r12 = assembler.receive(Frame(fin: false, opcode: FrameAssembler.text, payload: [0xC3]))
        #expect(r12 == .none)
        let r13 = assembler.receive(Frame(opcode: FrameAssembler.continuation, payload: [0xA9]))
        #expect(r13 == .text("é"))
        let r14 = assembler.receive(Frame(opcode: FrameAssembler.text, payload: [0xC3, 0x28]))
        #expect(r14 == .fail(.invalidPayload, reason: "text message is not UTF-8"))
        // An encoded surrogate (ED A0 80) and an overlong slash (C0 AF) are not UTF-8.
        var other = FrameAssembler(maxMessageBytes: 16)
        let r15 = other.receive(Frame(opcode: FrameAssembler.text, payload: [0xED, 0xA0, 0x80]))
        #expect(r15 == .fail(.invalidPayload, reason: "text message is not UTF-8"))
        let r16 = other.receive(Frame(opcode: FrameAssembler.text, payload: [0xC0, 0xAF]))
        #expect(r16 == .fail(.invalidPayload, reason: "text message is not UTF-8"))
    }

    @Test mutating func protocolViolations() {
        func code(_ frame: Frame) -> CloseCode? {
            var fresh = FrameAssembler(maxMessageBytes: 16)
            if case .fail(let code, _) = fresh.receive(frame) { return code }
            return nil
        }
        #expect(code(Frame(opcode: FrameAssembler.text, masked: false, payload: bytes("x"))) == .protocolError)
        #expect(code(Frame(reservedBits: 0b100, opcode: FrameAssembler.text)) == .protocolError)
        #expect(code(Frame(opcode: 0x3)) == .protocolError)
        #expect(code(Frame(opcode: 0xB)) == .protocolError)
        #expect(code(Frame(fin: false, opcode: FrameAssembler.ping)) == .protocolError)
        #expect(code(Frame(opcode: FrameAssembler.ping, payload: Array(repeating: 0, count: 126))) == .protocolError)
        #expect(code(Frame(opcode: FrameAssembler.continuation, payload: bytes("x"))) == .protocolError)
        #expect(code(Frame(opcode: FrameAssembler.text, payload: Array(repeating: 0x61, count: 17))) == .messageTooBig)

        let r17 = assembler.receive(Frame(fin: false, opcode: FrameAssembler.text, payload: bytes("a")))
        #expect(r17 == .none)
        let r18 = assembler.receive(Frame(opcode: FrameAssembler.text, payload: bytes("b")))
        #expect(r18 == .fail(.protocolError, reason: "new message before the last one ended"))
    }

    @Test mutating func fragmentedMessagesAreLimitedAsAWhole() {
        let r19 = assembler.receive(Frame(fin: false, opcode: FrameAssembler.text, payload: Array(repeating: 0x61, count: 10)))
        #expect(r19 == .none)
        let r20 = assembler.receive(
            Frame(fin: false, opcode: FrameAssembler.continuation, payload: Array(repeating: 0x61, count: 6)))
        #expect(r20 == .none)
        let r21 = assembler.receive(Frame(opcode: FrameAssembler.continuation, payload: [0x61]))
        #expect(r21 == .fail(.messageTooBig, reason: "message too big"))
    }

    @Test func closeFrames() {
        func receive(_ payload: [UInt8]) -> FrameAssembler.Output {
            var fresh = FrameAssembler(maxMessageBytes: 16)
            return fresh.receive(Frame(opcode: FrameAssembler.close, payload: payload))
        }
        #expect(receive([]) == .close(code: nil, reason: ""))
        #expect(receive([0x03, 0xE8] + Array("bye".utf8)) == .close(code: .normal, reason: "bye"))
        #expect(receive([0x0F, 0xA1]) == .close(code: CloseCode(rawValue: 4001), reason: ""))
        #expect(receive([0x03]) == .fail(.protocolError, reason: "close frame with a 1-byte payload"))
        for invalid: UInt16 in [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000] {
            #expect(
                receive([UInt8(invalid >> 8), UInt8(invalid & 0xFF)]) == .fail(.protocolError, reason: "invalid close code"),
                "\(invalid)")
        }
        #expect(receive([0x03, 0xE8, 0xFF]) == .fail(.invalidPayload, reason: "close reason is not UTF-8"))
    }

    @Test func closePayloadsFitAControlFrame() {
        #expect(CloseCode.authenticationFailed.payload(reason: "認証失敗") == [0x0F, 0xA1] + Array("認証失敗".utf8))
        let long = CloseCode.normal.payload(reason: String(repeating: "あ", count: 100))
        #expect(long.count <= 125)
        #expect(String(validating: long[2...], as: UTF8.self) != nil)
    }
}

/// Server frame headers: final, unmasked, the shortest length encoding.
struct ServerFrameTests {
    @Test func lengthEncodings() {
        #expect(ServerFrame.header(opcode: FrameAssembler.text, length: 0) == [0x81, 0])
        #expect(ServerFrame.header(opcode: FrameAssembler.text, length: 125) == [0x81, 125])
        #expect(ServerFrame.header(opcode: FrameAssembler.close, length: 126) == [0x88, 126, 0, 126])
        #expect(ServerFrame.header(opcode: FrameAssembler.text, length: 65535) == [0x81, 126, 0xFF, 0xFF])
        #expect(ServerFrame.header(opcode: FrameAssembler.text, length: 65536) == [0x81, 127, 0, 0, 0, 0, 0, 1, 0, 0])
        #expect(ServerFrame.frame(opcode: FrameAssembler.pong, payload: [1, 2]) == [0x8A, 2, 1, 2])
    }
}
