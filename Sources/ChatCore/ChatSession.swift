/// The life of one chat connection, as a pure state machine: the daemon's NIO handler
/// (`ChatConnection`) feeds it what happens (frames, the account check, room events, timers)
/// and does the actions it returns (send, store, close). No I/O here, so every rule of the
/// protocol is tested without a socket.
///
/// ```
/// authenticating ──account active──> joined ──close / fail / drop──> closing ──channel gone──> closed
///       │  token bad, account gone or inactive, database down ─────────────┘        ▲
///       └──────────────────────────────────────────────────────────────────────────┘
/// ```
///
/// - authenticating: the token is checked at once (`start`), then the account in PostgreSQL
///   (`accountChecked`). Messages that arrive meanwhile wait (at most `earlyMessageLimit`).
/// - joined: in the room. The room's events are sent from the connection's own join notice on
///   (`joinConfirmed`): the events before it happened before the join, in the order every
///   daemon sees. With `since`, the replay goes first and live events wait behind it
///   (`ReplayGate`), bounded by the send-queue limit.
/// - closing: a close frame went out (ours, or the echo of the client's); what the client still
///   sends is read and discarded until the channel closes.
/// - closed: the channel is gone; the room is left (the others are told) once.
///
/// `Frame` is the daemon's encoded room event (a `ByteBuffer`), passed through untouched.
public struct ChatSession<Frame> {
    public enum Phase: Sendable, Equatable {
        case authenticating
        case joined
        case closing
        case closed
    }

    /// Why a connection is cut without a closing handshake.
    public enum Drop: Sendable, Equatable {
        /// It sent nothing since the previous heartbeat ping.
        case unresponsive
        /// Its send queue passed `WS_SEND_QUEUE_BYTES`.
        case slowReader
    }

    /// What the log records of a connection's life.
    public enum Note: Sendable, Equatable {
        case tokenRefused
        case unknownUser
        case inactiveUser
        case joined
        case left
        case protocolError(CloseCode, reason: String)
        case overMessageRate
        case dropped(Drop)
    }

    public enum Action {
        /// Ask PostgreSQL whether the token's account exists and is active.
        case checkAccount(userID: Int)
        /// Enter the room on this daemon and announce the join to every daemon.
        case enterRoom
        /// Read the room's messages after `afterID` (one more than the limit, to see if there are more).
        case readReplay(afterID: Int64, limit: Int)
        /// Store a message; the store announces it to every daemon (this one included).
        case store(content: String)
        /// Send an event, in the connection's language.
        case send(ServerEvent)
        /// Send a room event as it was encoded once for every member.
        case sendFrame(Frame)
        /// Answer the client's ping.
        case pong([UInt8])
        /// The heartbeat's ping.
        case ping
        /// Start the closing handshake: a close frame after what is queued, the channel cut
        /// `graceSeconds` later if the client does not answer.
        case close(CloseCode, reason: String, graceSeconds: Int)
        /// Fail the connection (RFC 6455 7.1.7): a close frame at once, ahead of anything queued
        /// (which is dropped), the channel cut a second later; meanwhile input is discarded.
        case fail(CloseCode, reason: String)
        /// Answer the client's close frame with this payload, then close the channel.
        case answerClose([UInt8])
        /// The client answered our close frame: close the channel now.
        case closeChannel
        /// Cut the channel without a handshake.
        case drop(Drop)
        /// Leave the room and tell the others.
        case leaveRoom
        case note(Note)
    }

    public struct Settings: Sendable {
        public var maxMessageBytes: Int
        /// Bytes of live events that may wait behind a replay (`WS_SEND_QUEUE_BYTES`).
        public var sendQueueBytes: Int
        public var replayLimit: Int
        public var messagesPerSecond: Int
        public var messageBurst: Int

        public init(maxMessageBytes: Int, sendQueueBytes: Int, replayLimit: Int, messagesPerSecond: Int, messageBurst: Int) {
            self.maxMessageBytes = maxMessageBytes
            self.sendQueueBytes = sendQueueBytes
            self.replayLimit = replayLimit
            self.messagesPerSecond = messagesPerSecond
            self.messageBurst = messageBurst
        }

        public init(_ configuration: ChatConfiguration) {
            self.init(
                maxMessageBytes: configuration.maxMessageBytes, sendQueueBytes: configuration.sendQueueBytes,
                replayLimit: configuration.replayLimit, messagesPerSecond: configuration.maxMessagesPerSecond,
                messageBurst: configuration.messageBurst)
        }
    }

    /// The most messages kept while the account check is under way.
    public static var earlyMessageLimit: Int { 32 }

    public let settings: Settings
    /// `?since=`: replay the room's messages after this id first.
    public let since: Int64?
    public private(set) var phase = Phase.authenticating
    /// The token's user, once the token is checked.
    public private(set) var userID: Int?
    /// In the room on this daemon (entered, not yet left).
    private var inRoom = false
    /// The connection's own join notice came back: room events from here on are sent.
    private var confirmed = false
    private var early: [ClientMessage] = []
    private var gate: ReplayGate<Frame>
    private var pendingBytes = 0
    private var assembler: FrameAssembler
    private var heartbeat = Heartbeat()
    private var rateLimit: MessageRateLimit

    public init(settings: Settings, since: Int64?) {
        self.settings = settings
        self.since = since
        gate = ReplayGate(replaying: since != nil)
        assembler = FrameAssembler(maxMessageBytes: settings.maxMessageBytes)
        rateLimit = MessageRateLimit(perSecond: settings.messagesPerSecond, burst: settings.messageBurst)
    }

    /// A close frame went out (ours or the echo): input is discarded from now on.
    public var isClosing: Bool { phase == .closing }

    // MARK: - Joining

    /// The connection is open; `verifiedUserID` is the token's user, nil for a missing or bad token.
    public mutating func start(verifiedUserID: Int?) -> [Action] {
        guard let verifiedUserID else {
            return [.note(.tokenRefused)] + close(.authenticationFailed, reason: ChatTexts.authenticationFailed)
        }
        userID = verifiedUserID
        return [.checkAccount(userID: verifiedUserID)]
    }

    /// The account check's answer. `canJoin` is false while the daemon cannot deliver room
    /// events (its LISTEN session is down) or is stopping.
    public mutating func accountChecked(_ status: AccountStatus, canJoin: Bool) -> [Action] {
        guard phase == .authenticating else { return [] }
        switch status {
        case .active:
            guard canJoin else { return close(.tryAgainLater, reason: "chat events unavailable") }
            phase = .joined
            inRoom = true
            var actions: [Action] = [.enterRoom, .note(.joined)]
            if let since { actions.append(.readReplay(afterID: since, limit: settings.replayLimit + 1)) }
            let waiting = early
            early = []
            for message in waiting { actions += handle(message) }
            return actions
        case .missing:
            return [.note(.unknownUser)] + close(.authenticationFailed, reason: ChatTexts.authenticationFailed)
        case .inactive:
            return [.note(.inactiveUser)] + close(.forbidden, reason: ChatTexts.inactiveAccount)
        case .unavailable:
            return close(.tryAgainLater, reason: "database unavailable")
        }
    }

    /// The join notice could not be sent: the connection would miss the room's events.
    public mutating func joinAnnouncementFailed() -> [Action] {
        close(.tryAgainLater, reason: "database unavailable")
    }

    /// The connection's own join notice came back through PostgreSQL.
    public mutating func joinConfirmed() {
        confirmed = true
    }

    /// The replay's messages (at most `replayLimit + 1`), or nil when it could not be read.
    public mutating func replayed(_ messages: [ChatMessage]?) -> [Action] {
        guard phase == .joined else { return [] }
        guard let messages else { return close(.tryAgainLater, reason: "history unavailable") }
        let shown = messages.prefix(settings.replayLimit)
        var actions: [Action] = shown.map { .send(.message($0)) }
        if messages.count > settings.replayLimit {
            actions.append(.send(.error(code: "replay_truncated", message: ChatTexts.replayTruncated(settings.replayLimit))))
        }
        actions += gate.finishReplay(lastReplayedID: shown.last?.id).map { .sendFrame($0) }
        pendingBytes = 0
        return actions
    }

    // MARK: - From the client

    /// A frame the client sent, at `now` (monotonic nanoseconds, for the message rate).
    public mutating func received(_ frame: FrameAssembler.Frame, atNanoseconds now: UInt64) -> [Action] {
        heartbeat.received()
        guard phase != .closed else { return [] }
        switch assembler.receive(frame) {
        case .none, .pong:
            return []
        case .text(let text):
            guard phase != .closing else { return [] }
            return receivedText(text, atNanoseconds: now)
        case .binary:
            return fail(.unsupportedData, reason: "binary messages are not supported")
        case .ping(let payload):
            return phase == .closing ? [] : [.pong(payload)]
        case .close(let code, _):
            if phase == .closing { return [.closeChannel] }
            // Echo the client's code (RFC 6455 5.5.1), then close; the server closes TCP first.
            phase = .closing
            return [.answerClose(code.map { $0.payload(reason: "") } ?? [])]
        case .fail(let code, let reason):
            return fail(code, reason: reason)
        }
    }

    private mutating func receivedText(_ text: String, atNanoseconds now: UInt64) -> [Action] {
        guard rateLimit.allow(atNanoseconds: now) else {
            return [.note(.overMessageRate), .send(.error(code: "rate_limited", message: ChatTexts.tooManyMessages))]
                + close(.policyViolation, reason: "too many messages")
        }
        switch ClientMessage.parse(text) {
        case .failure(let problem):
            return [.send(problem.event)]
        case .success(let message):
            guard phase == .authenticating else { return handle(message) }
            guard early.count < Self.earlyMessageLimit else {
                return fail(.policyViolation, reason: "too many messages before joining")
            }
            early.append(message)
            return []
        }
    }

    private func handle(_ message: ClientMessage) -> [Action] {
        switch message {
        case .ping: [.send(.pong)]
        case .ignored: []
        case .message(let content): [.store(content: content)]
        }
    }

    /// A protocol violation the frame decoder found before the assembler (a frame too large, a
    /// fragmented or over-long control frame).
    public mutating func decoderFailed(_ code: CloseCode, reason: String) -> [Action] {
        fail(code, reason: reason)
    }

    /// A message of this connection could not be stored: its sender's account is gone
    /// (`account`), or PostgreSQL failed.
    public mutating func storeFailed(account: ChatNotification.AccountChange?) -> [Action] {
        guard phase == .joined else { return [] }
        if let account {
            let (code, reason) = account.close
            return close(code, reason: reason)
        }
        return [.send(.error(code: "storage_failed", message: ChatTexts.storageFailed))]
    }

    // MARK: - From the room and the daemon

    /// A room event (`bytes` long; `messageID` for stored messages): `.sendFrame`, nothing (held
    /// behind the replay, a repeat, or not in the room's order yet), or `.drop` when what waits
    /// behind the replay passes the send-queue limit. One action at most, without an array: this
    /// runs for every member of a room for every event.
    public mutating func deliver(_ frame: Frame, bytes: Int, messageID: Int64?) -> Action? {
        guard phase == .joined, confirmed else { return nil }
        if let out = gate.live(frame, messageID: messageID) { return .sendFrame(out) }
        guard gate.isReplaying else { return nil }
        pendingBytes += bytes
        return pendingBytes > settings.sendQueueBytes ? .drop(.slowReader) : nil
    }

    /// The heartbeat interval passed.
    public mutating func heartbeatTick() -> [Action] {
        guard phase == .joined || phase == .authenticating else { return [] }
        switch heartbeat.tick() {
        case .sendPing: return [.ping]
        case .drop: return drop(.unresponsive)
        }
    }

    /// The send queue passed its limit: the client reads too slowly.
    public mutating func sendQueueOverflowed() -> [Action] {
        drop(.slowReader)
    }

    /// Closes with a handshake (the daemon stops, the account went away, PostgreSQL is lost).
    public mutating func close(_ code: CloseCode, reason: String, graceSeconds: Int = 5) -> [Action] {
        guard phase == .authenticating || phase == .joined else { return [] }
        phase = .closing
        return [.close(code, reason: reason, graceSeconds: graceSeconds)]
    }

    /// The channel is gone: leave the room once (the others are told).
    public mutating func ended() -> [Action] {
        guard phase != .closed else { return [] }
        phase = .closed
        early = []
        guard inRoom else { return [] }
        inRoom = false
        return [.leaveRoom, .note(.left)]
    }

    private mutating func fail(_ code: CloseCode, reason: String) -> [Action] {
        guard phase == .authenticating || phase == .joined else { return [] }
        phase = .closing
        return [.note(.protocolError(code, reason: reason)), .fail(code, reason: reason)]
    }

    private mutating func drop(_ reason: Drop) -> [Action] {
        guard phase != .closed else { return [] }
        return [.note(.dropped(reason)), .drop(reason)]
    }
}

/// What the check of a token's account found (`ChatSession.accountChecked`).
public enum AccountStatus: Sendable, Equatable {
    case active
    case inactive
    case missing
    /// PostgreSQL could not be asked.
    case unavailable
}

extension ChatSession.Action: Equatable where Frame: Equatable {}
extension ChatSession.Action: Sendable where Frame: Sendable {}
