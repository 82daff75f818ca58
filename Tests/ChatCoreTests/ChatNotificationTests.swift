import AppCore
import ChatCore
import Testing

/// The payloads of `chat_events`: the insert trigger's `json_build_object` text and the daemons' notices.
struct ChatNotificationTests {
    @Test func decodesTheTriggersPayload() {
        let payload =
            #"{"kind" : "message", "room" : "general", "id" : 12, "user_id" : 7, "content" : "é \"q\"", "ts" : 1764393600.123456}"#
        #expect(
            ChatNotification.decode(payload)
                == .message(
                    ChatMessage(
                        id: 12, roomID: "general", userID: "7", content: "é \"q\"", timestamp: 1764393600.123456)))
        #expect(
            ChatNotification.decode(#"{"kind" : "message", "room" : "r", "id" : 13, "ref" : true}"#)
                == .messageReference(id: 13, roomID: "r"))
    }

    @Test func noticesRoundTrip() {
        let origin = ConnectionKey(daemon: "ab12", number: 9)
        let joined = ChatNotification.joined(roomID: "r", userID: "7", origin: origin)
        #expect(ChatNotification.decode(joined.payload()) == joined)
        #expect(joined.payload() == #"{"kind":"join","room":"r","user_id":"7","origin":"ab12:9"}"#)
        let left = ChatNotification.left(roomID: "r", userID: "7")
        #expect(ChatNotification.decode(left.payload()) == left)
        #expect(joined.event == .joined(userID: "7"))
        #expect(left.event == .left(userID: "7"))
        #expect(ChatNotification.messageReference(id: 1, roomID: "r").event == nil)
    }

    @Test func garbageIsIgnored() {
        for payload in [
            "", "null", "{}", #"{"kind":"message","room":"r"}"#, #"{"kind":"dance","room":"r"}"#,
            #"{"kind":"join","room":"r"}"#, #"{"kind":"message","room":"r","id":1,"user_id":1,"content":"x"}"#,
        ] {
            #expect(ChatNotification.decode(payload) == nil, "\(payload)")
        }
        #expect(ConnectionKey(parsing: "nocolon") == nil)
        #expect(ConnectionKey(parsing: "a:b:3") == ConnectionKey(daemon: "a:b", number: 3))
    }
}

struct ChatConfigurationTests {
    func configuration(_ values: [String: String]) throws(ConfigurationError) -> ChatConfiguration {
        var environment = values
        environment["SECRET_KEY"] = environment["SECRET_KEY"] ?? "s"
        return try ChatConfiguration(SettingsReader(environment: environment), processorCount: 2)
    }

    @Test func defaults() throws {
        let config = try configuration([:])
        #expect(config.listen == .tcp(host: "127.0.0.1", port: 8081))
        #expect(config.threads == 2)
        #expect(config.maxMessageBytes == 65_536)
        #expect(config.maxFrameBytes == 65_536)
        #expect(config.sendQueueBytes == 1_048_576)
        #expect(config.pingIntervalSeconds == 20)
        #expect(config.replayLimit == 500)
        #expect(config.app.corsOrigins == ["http://localhost:3000"])
    }

    @Test func listenAddresses() {
        #expect(ChatConfiguration.ListenAddress(parsing: "0.0.0.0:9000") == .tcp(host: "0.0.0.0", port: 9000))
        #expect(ChatConfiguration.ListenAddress(parsing: "[::1]:9000") == .tcp(host: "::1", port: 9000))
        #expect(ChatConfiguration.ListenAddress(parsing: "/run/chat.sock") == .unix(path: "/run/chat.sock"))
        #expect(ChatConfiguration.ListenAddress(parsing: "unix:rel.sock") == .unix(path: "rel.sock"))
        #expect(ChatConfiguration.ListenAddress(parsing: "localhost") == nil)
        #expect(ChatConfiguration.ListenAddress(parsing: "h:70000") == nil)
        #expect(ChatConfiguration.ListenAddress(parsing: ":80") == nil)
        #expect(ChatConfiguration.ListenAddress(parsing: "[::1]:9000")?.description == "[::1]:9000")
    }

    @Test func badValuesStopStartUpWithOneLine() {
        #expect(throws: ConfigurationError.self) { try configuration(["WS_LISTEN": "nowhere"]) }
        #expect(throws: ConfigurationError.self) { try configuration(["WS_PING_INTERVAL_SECONDS": "-1"]) }
        #expect(throws: ConfigurationError.self) { try configuration(["WS_SEND_QUEUE_BYTES": "lots"]) }
        #expect(
            throws: ConfigurationError(variable: "WS_MAX_FRAME_BYTES", problem: "must not exceed WS_MAX_MESSAGE_BYTES (1000)")
        ) {
            try configuration(["WS_MAX_MESSAGE_BYTES": "1000", "WS_MAX_FRAME_BYTES": "2000"])
        }
        #expect(throws: ConfigurationError(variable: "SECRET_KEY", problem: "is missing")) {
            try ChatConfiguration(SettingsReader(environment: [:]))
        }
    }
}

/// Account changes announced by the `users_notify_chat` trigger (migration 0006).
struct AccountNotificationTests {
    @Test func decodesTheTriggersPayload() {
        // json_build_object's text, with the integer id the users table has.
        #expect(
            ChatNotification.decode(#"{"kind" : "user", "user_id" : 42, "state" : "deleted"}"#)
                == .account(userID: "42", change: .deleted))
        #expect(
            ChatNotification.decode(#"{"kind" : "user", "user_id" : 42, "state" : "inactive"}"#)
                == .account(userID: "42", change: .inactive))
        #expect(ChatNotification.decode(#"{"kind" : "user", "user_id" : 42, "state" : "reborn"}"#) == nil)
        let change = ChatNotification.account(userID: "7", change: .inactive)
        #expect(ChatNotification.decode(change.payload()) == change)
    }

    @Test func concernsNoRoomAndSendsNoEvent() {
        let change = ChatNotification.account(userID: "7", change: .deleted)
        #expect(change.roomID == nil)
        #expect(change.event == nil)
    }

    @Test func closesAsANewConnectionWouldBe() {
        #expect(ChatNotification.AccountChange.deleted.close.code == .authenticationFailed)
        #expect(ChatNotification.AccountChange.inactive.close.code == .forbidden)
    }
}

/// The per-connection token bucket.
struct MessageRateLimitTests {
    @Test func aBurstThenTheRate() {
        var limit = MessageRateLimit(perSecond: 10, burst: 3)
        let second: UInt64 = 1_000_000_000
        // A burst of three; a tenth of a second gives one back; a long pause refills to the burst only.
        let times: [UInt64] = [0, 0, 0, 0, second / 10, second / 10, 100 * second, 100 * second, 100 * second, 100 * second]
        let answers = times.map { limit.allow(atNanoseconds: $0) }
        #expect(answers == [true, true, true, false, true, false, true, true, true, false])
    }

    @Test func aSteadyTypistIsNeverLimited() {
        var limit = MessageRateLimit(perSecond: 10, burst: 30)
        // Five messages a second for a minute.
        let answers = (0..<300).map { limit.allow(atNanoseconds: UInt64($0) * 200_000_000) }
        #expect(!answers.contains(false))
    }
}
