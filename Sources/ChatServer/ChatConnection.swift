import AppCore
import ChatCore
import CryptoSupport
import Logging
import NIOCore
import NIOWebSocket

/// One client after the WebSocket upgrade: checks its token, joins its room, and speaks the
/// seed's protocol. Lives on its channel's event loop.
///
/// Life: authenticating (token checked at once, then the account in PostgreSQL) → joined
/// (in the room; with `since`, the replay first) → closing (close frame sent, waiting for the
/// client's) → closed. Messages that arrive before the join is done wait (a few at most).
///
/// The join notice goes through PostgreSQL like every event; the connection receives the
/// room's events from its own notice on, so it sees exactly what happened after it joined, in
/// the order all daemons see it (the seed's in-process broadcast, across daemons).
///
/// Sending: whole frames, header included, written below SwiftNIO's frame encoder (through the
/// `RawFrameWriter`'s context), so that a room event is one buffer shared by every member's
/// connection. Straight to the socket while it is writable and nothing waits; otherwise into a
/// `SendQueue` bounded by `WS_SEND_QUEUE_BYTES`. A client whose queue would pass that is too
/// slow and is disconnected: one slow reader never holds the others back or grows the
/// daemon's memory without bound.
final class ChatConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame

    private enum Phase {
        case authenticating
        case joined
        case closing
        case closed
    }

    /// The most messages kept while the join is under way.
    static let earlyMessageLimit = 32

    let key: UInt64
    private let hub: ChatHub
    private let shard: RoomShard
    private let route: ChatRoute
    private let language: MessageLanguage
    private var logger: Logger
    private var context: ChannelHandlerContext?
    /// Where frames are written: below the frame encoder, straight to the socket.
    private let writer: RawFrameWriter
    private var phase = Phase.authenticating
    private var assembler: FrameAssembler
    private var heartbeat = Heartbeat()
    private var queue: SendQueue<ByteBuffer>
    private var gate = ReplayGate<ByteBuffer>(replaying: false)
    private var pendingBytes = 0
    private var userNumber = 0
    /// The token's `sub`, once the token is checked (the shard closes a user's connections by it).
    private(set) var userID = ""
    private var rateLimit: MessageRateLimit
    private var inRoom = false
    /// Set when the connection's own join notice comes back from PostgreSQL: events before it
    /// happened before the join (in the order every daemon sees) and are not sent.
    private var confirmed = false
    private var early: [ClientMessage] = []
    private var needsFlush = false
    private var draining = false
    private var closeSent = false
    private var closeTimer: Scheduled<Void>?

    init(hub: ChatHub, shard: RoomShard, route: ChatRoute, language: MessageLanguage, requestID: String?,
         writer: RawFrameWriter) {
        self.hub = hub
        self.writer = writer
        self.shard = shard
        self.route = route
        self.language = language
        self.key = hub.connectionOpened()
        assembler = FrameAssembler(maxMessageBytes: hub.configuration.maxMessageBytes)
        queue = SendQueue(limitBytes: hub.configuration.sendQueueBytes)
        rateLimit = MessageRateLimit(perSecond: hub.configuration.maxMessagesPerSecond,
                                     burst: hub.configuration.messageBurst)
        logger = hub.logger
        logger[metadataKey: "room"] = "\(route.roomID)"
        logger[metadataKey: "connection"] = "\(key)"
        if let requestID { logger[metadataKey: "request.id"] = "\(requestID)" }
    }

    // MARK: - Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        shard.add(self)
        authenticate()
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
        heartbeat.received()
        guard phase != .closed else { return }
        let output = assembler.receive(FrameAssembler.Frame(
            fin: incoming.fin, reservedBits: incoming.reservedBits.rawValue >> 4,
            opcode: UInt8(webSocketOpcode: incoming.opcode), masked: incoming.maskKey != nil,
            payload: Array(buffer: incoming.unmaskedData)))
        switch output {
        case .none, .pong:
            break
        case .text(let text):
            guard phase != .closing else { return }
            received(text)
        case .binary:
            fail(.unsupportedData, reason: "binary messages are not supported")
        case .ping(let payload):
            guard !closeSent else { return }
            enqueue(frame(FrameAssembler.pong, payload))
            flush()
        case .close(let code, _):
            if closeSent {
                context.close(promise: nil)
            } else {
                // Echo the client's code (RFC 6455 5.5.1), then close; the server closes TCP first.
                closeSent = true
                phase = .closing
                let payload = code.map { $0.payload(reason: "") } ?? []
                let channel = context.channel
                queue.removeAll()
                writeAndFlush(frame(FrameAssembler.close, payload)) { channel.close(promise: nil) }
            }
        case .fail(let code, let reason):
            fail(code, reason: reason)
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        drainQueue()
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if closeSent, error is ByteToMessageDecoderError {
            // The frame decoder failed earlier: what the client still sends is discarded until
            // the connection closes (reading it keeps the close frame from being lost to a reset).
            return
        }
        if let error = error as? NIOWebSocketError {
            switch error {
            case .invalidFrameLength: fail(.messageTooBig, reason: "frame too big")
            case .fragmentedControlFrame: fail(.protocolError, reason: "fragmented control frame")
            case .multiByteControlFrameLength: fail(.protocolError, reason: "control frame longer than 125 bytes")
            }
            return
        }
        logger.debug("Connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    // MARK: - Joining

    private func authenticate() {
        guard let token = route.token, let (id, _) = hub.tokens.verify(token, type: "access", now: UnixTime.now()) else {
            logger.info("Chat token refused")
            close(.authenticationFailed, reason: ChatTexts.authenticationFailed)
            return
        }
        userNumber = id
        userID = String(id)
        logger[metadataKey: "user.id"] = "\(userID)"
        let bound = NIOLoopBound(self, eventLoop: shard.eventLoop)
        hub.store.submit(.checkUser(id: id) { status in
            bound.eventLoop.execute { bound.value.userChecked(status) }
        })
    }

    private func userChecked(_ status: ChatStore.UserStatus) {
        guard phase == .authenticating else { return }
        switch status {
        case .active:
            join()
        case .missing:
            logger.info("Chat token of an unknown user")
            close(.authenticationFailed, reason: ChatTexts.authenticationFailed)
        case .inactive:
            logger.info("Chat token of an inactive user")
            close(.forbidden, reason: ChatTexts.inactiveAccount)
        case .unavailable:
            close(.tryAgainLater, reason: "database unavailable")
        }
    }

    private func join() {
        guard hub.isListening, !hub.isStopping else {
            close(.tryAgainLater, reason: "chat events unavailable")
            return
        }
        phase = .joined
        inRoom = true
        shard.join(route.roomID, self)
        let bound = NIOLoopBound(self, eventLoop: shard.eventLoop)
        hub.store.submit(.notify(.joined(roomID: route.roomID, userID: userID,
                                         origin: ConnectionKey(daemon: hub.daemonID, number: key))) { _ in
            bound.eventLoop.execute { bound.value.close(.tryAgainLater, reason: "database unavailable") }
        })
        logger.debug("Joined")
        if let since = route.since {
            gate = ReplayGate(replaying: true)
            let limit = hub.configuration.replayLimit
            hub.store.submit(.replay(room: route.roomID, afterID: since, limit: limit + 1) { result in
                bound.eventLoop.execute { bound.value.replayed(result, limit: limit) }
            })
        }
        let waiting = early
        early = []
        for message in waiting { handle(message) }
    }

    private func replayed(_ result: Result<[ChatMessage], ChatStore.Failure>, limit: Int) {
        guard phase == .joined else { return }
        switch result {
        case .failure:
            close(.tryAgainLater, reason: "history unavailable")
        case .success(let messages):
            let shown = messages.prefix(limit)
            for message in shown { enqueue(frame(FrameAssembler.text, ServerEvent.message(message).json())) }
            if messages.count > limit {
                enqueue(frame(FrameAssembler.text, ServerEvent.error(code: "replay_truncated",
                                                                   message: ChatTexts.replayTruncated(limit)).json(language: language)))
            }
            for waiting in gate.finishReplay(lastReplayedID: shown.last?.id) { enqueue(waiting) }
            pendingBytes = 0
            flush()
        }
    }

    /// Leaves the room (telling the others) and forgets the connection; runs once.
    private func finish() {
        guard phase != .closed else { return }
        phase = .closed
        closeTimer?.cancel()
        closeTimer = nil
        queue.removeAll()
        early = []
        shard.remove(self)
        if inRoom {
            inRoom = false
            shard.leave(route.roomID, self)
            hub.store.submit(.notify(.left(roomID: route.roomID, userID: userID), failed: nil))
            logger.debug("Left")
        }
        hub.connectionClosed()
        context = nil
    }

    // MARK: - Client messages

    private func received(_ text: String) {
        guard rateLimit.allow(atNanoseconds: NIODeadline.now().uptimeNanoseconds) else {
            logger.info("Chat client over its message rate: closed", metadata: [
                "limit.per_second": "\(rateLimit.perSecond)", "limit.burst": "\(rateLimit.burst)"])
            send(.error(code: "rate_limited", message: ChatTexts.tooManyMessages))
            close(.policyViolation, reason: "too many messages")
            return
        }
        switch ClientMessage.parse(text) {
        case .failure(let problem):
            send(problem.event)
        case .success(let message):
            if phase == .authenticating {
                guard early.count < Self.earlyMessageLimit else {
                    fail(.policyViolation, reason: "too many messages before joining")
                    return
                }
                early.append(message)
            } else {
                handle(message)
            }
        }
    }

    private func handle(_ message: ClientMessage) {
        switch message {
        case .ping:
            send(.pong)
        case .ignored:
            break
        case .message(let content):
            let bound = NIOLoopBound(self, eventLoop: shard.eventLoop)
            hub.store.submit(.insert(room: route.roomID, userID: userNumber, content: content) { failure in
                bound.eventLoop.execute { bound.value.storeFailed(failure) }
            })
        }
    }

    private func storeFailed(_ failure: ChatStore.Failure) {
        guard phase == .joined else { return }
        if let change = failure.account {
            // The account went away under the connection (its notice closes it too, on every daemon).
            let (code, reason) = change.close
            close(code, reason: reason)
            return
        }
        send(.error(code: "storage_failed", message: ChatTexts.storageFailed))
    }

    // MARK: - Room events (from the shard)

    /// An event of the room (a whole text frame): sent now, or held while the replay runs.
    func deliver(_ frame: ByteBuffer, messageID: Int64?) {
        guard phase == .joined, confirmed else { return }
        if let out = gate.live(frame, messageID: messageID) {
            enqueue(out)
        } else if gate.isReplaying {
            pendingBytes += frame.readableBytes
            if pendingBytes > hub.configuration.sendQueueBytes { dropSlowClient() }
        }
    }

    func joinConfirmed() {
        confirmed = true
    }

    func heartbeatTick() {
        guard phase == .joined || phase == .authenticating else { return }
        switch heartbeat.tick() {
        case .sendPing:
            enqueue(frame(FrameAssembler.ping, Array("hb".utf8)))
            flush()
        case .drop:
            logger.info("Heartbeat not answered: connection dropped")
            hub.countDrop(slow: false)
            abort()
        }
    }

    // MARK: - Sending

    private func send(_ event: ServerEvent) {
        enqueue(frame(FrameAssembler.text, event.json(language: language)))
        flush()
    }

    private func enqueue(_ frame: ByteBuffer) {
        guard let context, let out = writer.context, phase != .closed else { return }
        if queue.isEmpty && context.channel.isWritable {
            out.write(NIOAny(frame), promise: nil)
            needsFlush = true
        } else if queue.append(frame, bytes: frame.readableBytes) == .overflow {
            dropSlowClient()
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

    private func dropSlowClient() {
        guard phase != .closed, let context else { return }
        logger.warning("Send queue over its limit: slow client dropped",
                       metadata: ["queued.bytes": "\(queue.queuedBytes)", "limit.bytes": "\(queue.limitBytes)"])
        hub.countDrop(slow: true)
        queue.removeAll()
        context.close(promise: nil)
    }

    /// A whole server frame (unmasked, final) of `opcode` around `payload`.
    private func frame(_ opcode: UInt8, _ payload: [UInt8]) -> ByteBuffer {
        ServerFrame.buffer(opcode: opcode, payload: payload, allocator: context?.channel.allocator ?? ByteBufferAllocator())
    }

    // MARK: - Closing

    /// Starts the closing handshake: a close frame after whatever is queued, then up to
    /// `graceSeconds` for the client's answer before the connection is cut.
    func close(_ code: CloseCode, reason: String, graceSeconds: Int = 5) {
        guard !closeSent, phase != .closed, let context else { return }
        closeSent = true
        phase = .closing
        enqueue(frame(FrameAssembler.close, code.payload(reason: reason)))
        flush()
        let channel = context.channel
        closeTimer = context.eventLoop.scheduleTask(in: .seconds(Int64(graceSeconds))) {
            channel.close(promise: nil)
        }
    }

    /// Fails the connection (RFC 6455 7.1.7): a close frame with `code` at once (ahead of anything
    /// queued), then TCP is closed when the client answers with its close frame or closes, or
    /// after a second. Until then what the client sends is read and discarded: closing a socket
    /// with unread data would reset the connection, and the client could lose the close frame.
    private func fail(_ code: CloseCode, reason: String) {
        guard phase != .closed, !closeSent, let context else { return }
        logger.info("WebSocket protocol error", metadata: ["close.code": "\(code)", "reason": "\(reason)"])
        closeSent = true
        phase = .closing
        queue.removeAll()
        writeAndFlush(frame(FrameAssembler.close, code.payload(reason: reason))) {}
        let channel = context.channel
        closeTimer = context.eventLoop.scheduleTask(in: .seconds(1)) {
            channel.close(promise: nil)
        }
    }

    /// Cuts the connection without a closing handshake.
    func abort() {
        context?.close(promise: nil)
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
