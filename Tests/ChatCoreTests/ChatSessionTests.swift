import AppCore
import ChatCore
import Testing

/// The life of a chat connection without a socket: every rule of joining, the room's order,
/// replays, limits and closing, as actions for the daemon to carry out.
struct ChatSessionTests {
    typealias Session = ChatSession<String>
    typealias Action = Session.Action

    static let settings = Session.Settings(
        maxMessageBytes: 1000, sendQueueBytes: 100, replayLimit: 3,
        messagesPerSecond: 10, messageBurst: 5)

    static func text(_ text: String) -> FrameAssembler.Frame {
        FrameAssembler.Frame(opcode: FrameAssembler.text, payload: Array(text.utf8))
    }

    /// A session whose token named user 7 and whose account was found active.
    static func joined(since: Int64? = nil) -> Session {
        var session = Session(settings: settings, since: since)
        _ = session.start(verifiedUserID: 7)
        _ = session.accountChecked(.active, canJoin: true)
        return session
    }

    static func message(_ id: Int64) -> ChatMessage {
        ChatMessage(id: id, roomID: "r", userID: "7", content: "m\(id)", timestamp: 1)
    }

    // MARK: - Joining

    @Test func aBadTokenCloses4001WithoutAskingTheDatabase() {
        var session = Session(settings: Self.settings, since: nil)
        #expect(
            session.start(verifiedUserID: nil)
                == [.note(.tokenRefused), .close(.authenticationFailed, reason: "認証失敗", graceSeconds: 5)])
        #expect(session.phase == .closing)
        #expect(session.userID == nil)
    }

    @Test func aGoodTokenIsCheckedThenTheRoomEntered() {
        var session = Session(settings: Self.settings, since: nil)
        #expect(session.start(verifiedUserID: 7) == [.checkAccount(userID: 7)])
        #expect(session.phase == .authenticating)
        #expect(session.accountChecked(.active, canJoin: true) == [.enterRoom, .note(.joined)])
        #expect(session.phase == .joined)
        // A second answer (there is none, but) changes nothing.
        #expect(session.accountChecked(.missing, canJoin: true) == [])
    }

    @Test func withSinceTheReplayIsReadAfterJoining() {
        var session = Session(settings: Self.settings, since: 41)
        _ = session.start(verifiedUserID: 7)
        #expect(
            session.accountChecked(.active, canJoin: true) == [.enterRoom, .note(.joined), .readReplay(afterID: 41, limit: 4)])
    }

    @Test(arguments: [
        (
            AccountStatus.missing, true,
            [Action.note(.unknownUser), .close(.authenticationFailed, reason: "認証失敗", graceSeconds: 5)]
        ),
        (.inactive, true, [.note(.inactiveUser), .close(.forbidden, reason: "アカウントが無効です", graceSeconds: 5)]),
        (.unavailable, true, [.close(.tryAgainLater, reason: "database unavailable", graceSeconds: 5)]),
        (.active, false, [.close(.tryAgainLater, reason: "chat events unavailable", graceSeconds: 5)]),
    ])
    func accountsThatCannotChat(status: AccountStatus, canJoin: Bool, expected: [Action]) {
        var session = Session(settings: Self.settings, since: nil)
        _ = session.start(verifiedUserID: 7)
        #expect(session.accountChecked(status, canJoin: canJoin) == expected)
        #expect(session.phase == .closing)
    }

    @Test func messagesBeforeTheJoinWaitAndGoInOrder() {
        var session = Session(settings: Self.settings, since: nil)
        _ = session.start(verifiedUserID: 7)
        #expect(session.received(Self.text(#"{"content":"early"}"#), atNanoseconds: 0) == [])
        #expect(session.received(Self.text(#"{"type":"ping"}"#), atNanoseconds: 0) == [])
        #expect(
            session.accountChecked(.active, canJoin: true)
                == [.enterRoom, .note(.joined), .store(content: "early"), .send(.pong)])
    }

    @Test func tooManyMessagesBeforeTheJoinFailTheConnection() {
        let settings = Session.Settings(
            maxMessageBytes: 1000, sendQueueBytes: 100, replayLimit: 3,
            messagesPerSecond: 1000, messageBurst: 1000)
        var session = Session(settings: settings, since: nil)
        _ = session.start(verifiedUserID: 7)
        for _ in 0..<Session.earlyMessageLimit { _ = session.received(Self.text("{}"), atNanoseconds: 0) }
        #expect(
            session.received(Self.text("{}"), atNanoseconds: 0)
                == [
                    .note(.protocolError(.policyViolation, reason: "too many messages before joining")),
                    .fail(.policyViolation, reason: "too many messages before joining"),
                ])
    }

    // MARK: - Messages

    @Test func theSeedsProtocol() {
        var session = Self.joined()
        #expect(session.received(Self.text(#"{"type":"message","content":"hi"}"#), atNanoseconds: 0) == [.store(content: "hi")])
        #expect(session.received(Self.text(#"{"type":"ping"}"#), atNanoseconds: 0) == [.send(.pong)])
        #expect(session.received(Self.text(#"{"type":"typing"}"#), atNanoseconds: 0) == [])
        #expect(session.received(Self.text("not json"), atNanoseconds: 0) == [.send(ClientMessage.Problem.invalidJSON.event)])
    }

    @Test func aFloodIsToldThenClosed1008() {
        var session = Self.joined()
        for _ in 0..<5 { #expect(session.received(Self.text("{}"), atNanoseconds: 0) == [.store(content: "")]) }
        #expect(
            session.received(Self.text("{}"), atNanoseconds: 0) == [
                .note(.overMessageRate), .send(.error(code: "rate_limited", message: ChatTexts.tooManyMessages)),
                .close(.policyViolation, reason: "too many messages", graceSeconds: 5),
            ])
        // What follows is read and discarded.
        #expect(session.received(Self.text("{}"), atNanoseconds: 10_000_000_000) == [])
    }

    @Test func aGoneAccountClosesTheSender() {
        var session = Self.joined()
        #expect(session.storeFailed(account: .deleted) == [.close(.authenticationFailed, reason: "認証失敗", graceSeconds: 5)])
        var other = Self.joined()
        #expect(other.storeFailed(account: nil) == [.send(.error(code: "storage_failed", message: ChatTexts.storageFailed))])
    }

    // MARK: - The room's events

    @Test func eventsGoOutFromTheConnectionsOwnJoinNoticeOn() {
        var session = Self.joined()
        #expect(session.deliver("before", bytes: 6, messageID: 1) == nil)
        session.joinConfirmed()
        #expect(session.deliver("after", bytes: 5, messageID: 2) == .sendFrame("after"))
        #expect(session.deliver("notice", bytes: 6, messageID: nil) == .sendFrame("notice"))
    }

    @Test func aReplayGoesFirstWithoutGapOrRepeat() {
        var session = Self.joined(since: 0)
        session.joinConfirmed()
        #expect(session.deliver("live 2", bytes: 6, messageID: 2) == nil)
        #expect(session.deliver("live 3", bytes: 6, messageID: 3) == nil)
        #expect(
            session.replayed([Self.message(1), Self.message(2)])
                == [.send(.message(Self.message(1))), .send(.message(Self.message(2))), .sendFrame("live 3")])
        #expect(session.deliver("live 2 again", bytes: 12, messageID: 2) == nil)
        #expect(session.deliver("live 4", bytes: 6, messageID: 4) == .sendFrame("live 4"))
    }

    @Test func aLongReplayIsCutAndSaysSo() {
        var session = Self.joined(since: 0)
        let actions = session.replayed((1...4).map(Self.message))
        #expect(
            actions == (1...3).map { .send(.message(Self.message($0))) }
                + [.send(.error(code: "replay_truncated", message: ChatTexts.replayTruncated(3)))])
        var failed = Self.joined(since: 0)
        #expect(failed.replayed(nil) == [.close(.tryAgainLater, reason: "history unavailable", graceSeconds: 5)])
    }

    @Test func whatWaitsBehindAReplayIsBounded() {
        var session = Self.joined(since: 0)
        session.joinConfirmed()
        #expect(session.deliver("a", bytes: 60, messageID: 1) == nil)
        #expect(session.deliver("b", bytes: 60, messageID: 2) == .drop(.slowReader))
    }

    // MARK: - Frames and closing

    @Test func theClientsCloseIsEchoedAndOursAwaitsTheAnswer() {
        var session = Self.joined()
        let close = FrameAssembler.Frame(opcode: FrameAssembler.close, payload: CloseCode.normal.payload(reason: "bye"))
        #expect(session.received(close, atNanoseconds: 0) == [.answerClose(CloseCode.normal.payload(reason: ""))])
        #expect(session.phase == .closing)

        var ours = Self.joined()
        #expect(
            ours.close(.goingAway, reason: "server shutting down", graceSeconds: 3)
                == [.close(.goingAway, reason: "server shutting down", graceSeconds: 3)])
        let ping = FrameAssembler.Frame(opcode: FrameAssembler.ping, payload: [1])
        #expect(ours.received(ping, atNanoseconds: 0) == [])
        #expect(ours.received(Self.text("{}"), atNanoseconds: 0) == [])
        #expect(ours.received(close, atNanoseconds: 0) == [.closeChannel])
        #expect(ours.close(.normal, reason: "again") == [])
    }

    @Test func protocolViolationsFailTheConnection() {
        var session = Self.joined()
        let binary = FrameAssembler.Frame(opcode: FrameAssembler.binary, payload: [1])
        #expect(
            session.received(binary, atNanoseconds: 0)
                == [
                    .note(.protocolError(.unsupportedData, reason: "binary messages are not supported")),
                    .fail(.unsupportedData, reason: "binary messages are not supported"),
                ])
        var other = Self.joined()
        let unmasked = FrameAssembler.Frame(opcode: FrameAssembler.text, masked: false, payload: [0x7B, 0x7D])
        #expect(
            other.received(unmasked, atNanoseconds: 0).contains { if case .fail(.protocolError, _) = $0 { true } else { false } })
        #expect(other.decoderFailed(.messageTooBig, reason: "frame too big") == [])
    }

    @Test func theHeartbeatDropsASilentPeer() {
        var session = Self.joined()
        #expect(session.heartbeatTick() == [.ping])
        _ = session.received(FrameAssembler.Frame(opcode: FrameAssembler.pong), atNanoseconds: 0)
        #expect(session.heartbeatTick() == [.ping])
        #expect(session.heartbeatTick() == [.note(.dropped(.unresponsive)), .drop(.unresponsive)])
    }

    @Test func theRoomIsLeftOnceAndOnlyIfEntered() {
        var session = Self.joined()
        #expect(session.ended() == [.leaveRoom, .note(.left)])
        #expect(session.ended() == [])
        #expect(session.phase == .closed)
        var refused = Session(settings: Self.settings, since: nil)
        _ = refused.start(verifiedUserID: nil)
        #expect(refused.ended() == [])
    }
}
