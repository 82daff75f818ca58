import AppCore
import ChatCore
import CryptoSupport
import Identity
import Logging
import NIOCore
import NIOEmbedded
import NIOWebSocket
import Postgres
import Testing
import TestSupport
@testable import ChatDaemon

/// The NIO handler around `ChatSession` on a test channel: frames in, frames out, with the real
/// store (PostgreSQL) answering the account checks. The channel is NIOEmbedded's
/// `NIOAsyncTestingChannel`: `EmbeddedChannel`'s loop may only be used from one thread, and the
/// store answers from a thread of its own.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs PG_TEST_URL (scripts/test sets it)"))
struct ChatConnectionTests {
    let conninfo: String
    let hub: ChatHub
    let secret = "chat-connection-test-secret"

    init() throws {
        conninfo = try TestDatabase.migrated()
        let configuration = try ChatConfiguration(
            SettingsReader(environment: [
                "SECRET_KEY": secret, "DATABASE_URL": conninfo,
                // A burst of 3 and one more a second: a flood of 20 passes it however slow the machine.
                "WS_MESSAGE_BURST": "3", "WS_MAX_MESSAGES_PER_SECOND": "1",
            ]))
        hub = ChatHub(
            configuration: configuration, store: ChatStore(conninfo: conninfo, logger: Logger(label: "test")),
            logger: Logger(label: "test"))
        hub.listenerChanged(up: true)
    }

    func makeUser(active: Bool = true) throws -> Int {
        let name = "conn\(UInt32.random(in: 0...UInt32.max))"
        return try PGConnection(conninfo: conninfo).query(
            """
            INSERT INTO users (username, email, hashed_password, is_active)
            VALUES (\(name), \(name + "@example.com"), 'x', \(active)) RETURNING id
            """)[0].decode(0, as: Int.self)
    }

    func token(for userID: Int) -> String {
        TokenService(secret: secret, accessTokenMinutes: 5, refreshTokenDays: 1)
            .accessToken(userID: userID, email: "x@example.com", now: UnixTime.now())
    }

    /// A channel with the connection for `token` in room "r", as the upgrade leaves it.
    func connect(token: String?) async throws -> NIOAsyncTestingChannel {
        let channel = NIOAsyncTestingChannel()
        let hub = self.hub
        try await channel.eventLoop.submit {
            let writer = RawFrameWriter()
            let connection = ChatConnection(
                hub: hub, shard: RoomShard(eventLoop: channel.eventLoop, daemonID: "test"),
                route: ChatRoute(roomID: "r", token: token, since: nil), language: .japanese,
                requestID: nil, writer: writer)
            try channel.pipeline.syncOperations.addHandler(writer)
            try channel.pipeline.syncOperations.addHandler(connection)
        }.get()
        return channel
    }

    /// A client frame (masked with a zero key, which leaves the payload as it is).
    func send(_ channel: NIOAsyncTestingChannel, _ opcode: WebSocketOpcode, _ payload: String) async throws {
        try await channel.writeInbound(
            WebSocketFrame(
                fin: true, opcode: opcode, maskKey: [0, 0, 0, 0],
                data: ByteBuffer(string: payload)))
    }

    /// The next frame the server writes: opcode and payload (waits up to five seconds for the
    /// store's answer to come back to the channel's loop).
    func nextFrame(_ channel: NIOAsyncTestingChannel) async throws -> (opcode: UInt8, payload: [UInt8])? {
        for _ in 0..<500 {
            if var buffer = try await channel.readOutbound(as: ByteBuffer.self) {
                let bytes = buffer.readBytes(length: buffer.readableBytes) ?? []
                let length = Int(bytes[1] & 0x7F)
                precondition(length < 126, "the tests' frames are short")
                return (bytes[0] & 0x0F, Array(bytes[2..<(2 + length)]))
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    func closeCode(_ frame: (opcode: UInt8, payload: [UInt8])?) -> UInt16? {
        guard let frame, frame.opcode == 0x8, frame.payload.count >= 2 else { return nil }
        return UInt16(frame.payload[0]) << 8 | UInt16(frame.payload[1])
    }

    @Test func aBadTokenGetsClose4001() async throws {
        let channel = try await connect(token: "not.a.token")
        let frame = try await nextFrame(channel)
        #expect(closeCode(frame) == 4001)
        #expect(frame.map { String(decoding: $0.payload.dropFirst(2), as: UTF8.self) } == "認証失敗")
    }

    @Test func anActiveAccountJoinsAndAnEarlyPingIsAnswered() async throws {
        let channel = try await connect(token: token(for: try makeUser()))
        try await send(channel, .text, #"{"type":"ping"}"#)  // before the account check answered
        let frame = try await nextFrame(channel)
        #expect(frame?.opcode == 0x1)
        #expect(frame.map { String(decoding: $0.payload, as: UTF8.self) } == #"{"type":"pong"}"#)
    }

    @Test func anInactiveAccountGetsClose4003() async throws {
        let channel = try await connect(token: token(for: try makeUser(active: false)))
        #expect(closeCode(try await nextFrame(channel)) == 4003)
    }

    @Test func aBinaryMessageFailsTheConnectionWith1003() async throws {
        let channel = try await connect(token: token(for: try makeUser()))
        try await send(channel, .binary, "x")
        #expect(closeCode(try await nextFrame(channel)) == 1003)
    }

    @Test func aFloodGetsTheErrorThenClose1008() async throws {
        let channel = try await connect(token: token(for: try makeUser()))
        for _ in 0..<20 { try await send(channel, .text, #"{"type":"ping"}"#) }
        var frames: [(opcode: UInt8, payload: [UInt8])] = []
        while let frame = try await nextFrame(channel) {
            frames.append(frame)
            if frame.opcode == 0x8 { break }
        }
        #expect(
            frames.filter { $0.opcode == 0x1 }.map { String(decoding: $0.payload, as: UTF8.self) }.last?
                .contains(#""code":"rate_limited""#) == true)
        #expect(closeCode(frames.last) == 1008)
    }
}
