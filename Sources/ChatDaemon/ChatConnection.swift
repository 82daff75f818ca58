import AppCore
import ChatCore
import CryptoSupport
import Logging
import NIOCore
import NIOWebSocket

/// One client after the WebSocket upgrade, on its channel's event loop: the I/O around a
/// `ChatSession`, the pure state machine that holds the protocol's rules (joining, the replay,
/// the room's order, closing). This handler feeds it what happens (frames, the account check,
/// room events, timers) and carries out what it returns.
///
/// Sending: whole frames, header included, written below SwiftNIO's frame encoder (through the
/// `RawFrameWriter`'s context), so that a room event is one buffer shared by every member's
/// connection. Straight to the socket while it is writable and nothing waits; otherwise into a
/// `SendQueue` bounded by `WS_SEND_QUEUE_BYTES`. A client whose queue would pass that is too
/// slow and is disconnected: one slow reader never holds the others back or grows the
/// daemon's memory without bound.
final class ChatConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame

    let key: UInt64
    private let hub: ChatHub
    private let shard: RoomShard
    private let route: ChatRoute
    private let language: MessageLanguage
    private var logger: Logger
    private var context: ChannelHandlerContext?
    /// Where frames are written: below the frame encoder, straight to the socket.
    private let writer: RawFrameWriter
    private var session: ChatSession<ByteBuffer>
    private var queue: SendQueue<ByteBuffer>
    private var needsFlush = false
    private var draining = false
    private var closeTimer: Scheduled<Void>?

    init(
        hub: ChatHub, shard: RoomShard, route: ChatRoute, language: MessageLanguage, requestID: String?,
        writer: RawFrameWriter
    ) {
        self.hub = hub
        self.writer = writer
        self.shard = shard
        self.route = route
        self.language = language
        self.key = hub.connectionOpened()
        session = ChatSession(settings: ChatSession.Settings(hub.configuration), since: route.since)
        queue = SendQueue(limitBytes: hub.configuration.sendQueueBytes)
        logger = hub.logger
        logger[metadataKey: "room"] = "\(route.roomID)"
        logger[metadataKey: "connection"] = "\(key)"
        if let requestID { logger[metadataKey: "request.id"] = "\(requestID)" }
    }

    /// The token's user id as text, once the token is checked (the shard closes a user's
    /// connections by it); empty before.
    var userID: String { session.userID.map { String($0) } ?? "" }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        shard.add(self)
        let verified = route.token.flatMap { hub.tokens.verify($0, type: "access", now: UnixTime.now())?.userID }
        if let verified { logger[metadataKey: "user.id"] = "\(verified)" }
        perform(session.start(verifiedUserID: verified))
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish()
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let incoming = unwrapInboundIn(data)
        perform(
            session.received(
                FrameAssembler.Frame(
                    fin: incoming.fin, reservedBits: incoming.reservedBits.rawValue >> 4,
                    opcode: UInt8(webSocketOpcode: incoming.opcode), masked: incoming.maskKey != nil,
                    payload: Array(buffer: incoming.unmaskedData)), atNanoseconds: NIODeadline.now().uptimeNanoseconds))
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        drainQueue()
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if session.isClosing, error is ByteToMessageDecoderError {
            // The frame decoder failed earlier: what the client still sends is discarded until
            // the connection closes (reading it keeps the close frame from being lost to a reset).
            return
        }
        if let error = error as? NIOWebSocketError {
            switch error {
            case .invalidFrameLength: perform(session.decoderFailed(.messageTooBig, reason: "frame too big"))
            case .fragmentedControlFrame: perform(session.decoderFailed(.protocolError, reason: "fragmented control frame"))
            case .multiByteControlFrameLength:
                perform(session.decoderFailed(.protocolError, reason: "control frame longer than 125 bytes"))
            }
            return
        }
        logger.debug("Connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: - Answers of the store, events of the room and the daemon

    private func accountChecked(_ status: AccountStatus) {
        perform(session.accountChecked(status, canJoin: hub.isListening && !hub.isStopping))
    }

    /// A room event (a whole text frame): sent now, or held while the replay runs.
    func deliver(_ frame: ByteBuffer, messageID: Int64?) {
        if let action = session.deliver(frame, bytes: frame.readableBytes, messageID: messageID) { perform(action) }
    }

    func joinConfirmed() {
        session.joinConfirmed()
    }

    func heartbeatTick() {
        perform(session.heartbeatTick())
    }

    /// Starts the closing handshake: a close frame after whatever is queued, then up to
    /// `graceSeconds` for the client's answer before the connection is cut.
    func close(_ code: CloseCode, reason: String, graceSeconds: Int = 5) {
        perform(session.close(code, reason: reason, graceSeconds: graceSeconds))
    }

    /// Cuts the connection without a closing handshake.
    func abort() {
        context?.close(promise: nil)
    }

    /// Leaves the room (telling the others) and forgets the connection; runs once.
    private func finish() {
        guard session.phase != .closed else { return }
        perform(session.ended(), flushing: false)
        closeTimer?.cancel()
        closeTimer = nil
        queue.removeAll()
        shard.remove(self)
        hub.connectionClosed()
        context = nil
    }

    // MARK: - Doing what the session says

    private func perform(_ actions: [ChatSession<ByteBuffer>.Action], flushing: Bool = true) {
        for action in actions { perform(action) }
        if flushing { flush() }
    }

    /// This connection, for the store's callbacks to hop back to its loop with.
    private var bound: NIOLoopBound<ChatConnection> { NIOLoopBound(self, eventLoop: shard.eventLoop) }

    private func perform(_ action: ChatSession<ByteBuffer>.Action) {
        switch action {
        case .checkAccount(let userID):
            let bound = bound
            hub.store.submit(
                .checkUser(id: userID) { status in
                    bound.eventLoop.execute { bound.value.accountChecked(status) }
                })
        case .enterRoom:
            shard.join(route.roomID, self)
            let bound = bound
            hub.store.submit(
                .notify(
                    .joined(
                        roomID: route.roomID, userID: userID,
                        origin: ConnectionKey(daemon: hub.daemonID, number: key))
                ) { _ in
                    bound.eventLoop.execute { bound.value.perform(bound.value.session.joinAnnouncementFailed()) }
                })
        case .readReplay(let afterID, let limit):
            let bound = bound
            hub.store.submit(
                .replay(room: route.roomID, afterID: afterID, limit: limit) { result in
                    bound.eventLoop.execute {
                        let messages = try? result.get()
                        bound.value.perform(bound.value.session.replayed(messages))
                    }
                })
        case .store(let content):
            let bound = bound
            hub.store.submit(
                .insert(room: route.roomID, userID: session.userID ?? 0, content: content) { failure in
                    bound.eventLoop.execute { bound.value.perform(bound.value.session.storeFailed(account: failure.account)) }
                })
        case .send(let event):
            enqueue(frame(FrameAssembler.text, event.json(language: language)))
        case .sendFrame(let frame):
            enqueue(frame)
        case .pong(let payload):
            enqueue(frame(FrameAssembler.pong, payload))
        case .ping:
            enqueue(frame(FrameAssembler.ping, Array("hb".utf8)))
        case .close(let code, let reason, let graceSeconds):
            enqueue(frame(FrameAssembler.close, code.payload(reason: reason)))
            scheduleClose(after: .seconds(Int64(graceSeconds)))
        case .fail(let code, let reason):
            queue.removeAll()
            writeAndFlush(frame(FrameAssembler.close, code.payload(reason: reason))) {}
            scheduleClose(after: .seconds(1))
        case .answerClose(let payload):
            queue.removeAll()
            if let channel = context?.channel {
                writeAndFlush(frame(FrameAssembler.close, payload)) { channel.close(promise: nil) }
            }
        case .closeChannel:
            context?.close(promise: nil)
        case .drop(let reason):
            hub.countDrop(slow: reason == .slowReader)
            queue.removeAll()
            context?.close(promise: nil)
        case .leaveRoom:
            shard.leave(route.roomID, self)
            hub.store.submit(.notify(.left(roomID: route.roomID, userID: userID), failed: nil))
        case .note(let note):
            log(note)
        }
    }

    private func log(_ note: ChatSession<ByteBuffer>.Note) {
        switch note {
        case .tokenRefused: logger.info("Chat token refused")
        case .unknownUser: logger.info("Chat token of an unknown user")
        case .inactiveUser: logger.info("Chat token of an inactive user")
        case .joined: logger.debug("Joined")
        case .left: logger.debug("Left")
        case .protocolError(let code, let reason):
            logger.info("WebSocket protocol error", metadata: ["close.code": "\(code)", "reason": "\(reason)"])
        case .overMessageRate:
            logger.info(
                "Chat client over its message rate: closed",
                metadata: [
                    "limit.per_second": "\(session.settings.messagesPerSecond)",
                    "limit.burst": "\(session.settings.messageBurst)",
                ])
        case .dropped(.unresponsive):
            logger.info("Heartbeat not answered: connection dropped")
        case .dropped(.slowReader):
            logger.warning(
                "Send queue over its limit: slow client dropped",
                metadata: ["queued.bytes": "\(queue.queuedBytes)", "limit.bytes": "\(queue.limitBytes)"])
        }
    }

    private func scheduleClose(after delay: TimeAmount) {
        guard let context else { return }
        let channel = context.channel
        closeTimer = context.eventLoop.scheduleTask(in: delay) { channel.close(promise: nil) }
    }

    // MARK: - Sending

    private func enqueue(_ frame: ByteBuffer) {
        guard let context, let out = writer.context, session.phase != .closed else { return }
        if queue.isEmpty && context.channel.isWritable {
            out.write(NIOAny(frame), promise: nil)
            needsFlush = true
        } else if queue.append(frame, bytes: frame.readableBytes) == .overflow {
            perform(session.sendQueueOverflowed(), flushing: false)
        }
    }

    /// Writes `frame` ahead of anything queued (for closing) and calls `then` once it is out.
    private func writeAndFlush(_ frame: ByteBuffer, then: @escaping @Sendable () -> Void) {
        guard let out = writer.context else {
            then()
            return
        }
        out.writeAndFlush(NIOAny(frame)).whenComplete { _ in then() }
    }

    func flush() {
        guard needsFlush, let out = writer.context else { return }
        needsFlush = false
        out.flush()
    }

    private func drainQueue() {
        guard !draining, let context, let out = writer.context else { return }
        draining = true
        defer { draining = false }
        while context.channel.isWritable, !queue.isEmpty {
            while context.channel.isWritable, let frame = queue.popFirst() {
                out.write(NIOAny(frame), promise: nil)
                needsFlush = true
            }
            flush()
        }
    }

    /// A whole server frame (unmasked, final) of `opcode` around `payload`.
    private func frame(_ opcode: UInt8, _ payload: [UInt8]) -> ByteBuffer {
        ServerFrame.buffer(opcode: opcode, payload: payload, allocator: context?.channel.allocator ?? ByteBufferAllocator())
    }
}

/// Sits just below SwiftNIO's `WebSocketFrameEncoder`: `ChatConnection` writes whole frames
/// (`ByteBuffer`s) through this handler's context, which hands them straight on towards the
/// socket. The encoder would copy a shared payload's header into a buffer of its own for every
/// connection; a pre-framed buffer goes out as it is, one buffer for all members of a room.
final class RawFrameWriter: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private(set) var context: ChannelHandlerContext?

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
    }
}

extension ServerFrame {
    /// The frame as one buffer.
    static func buffer(opcode: UInt8, payload: [UInt8], allocator: ByteBufferAllocator) -> ByteBuffer {
        let header = header(opcode: opcode, length: payload.count)
        var buffer = allocator.buffer(capacity: header.count + payload.count)
        buffer.writeBytes(header)
        buffer.writeBytes(payload)
        return buffer
    }
}
