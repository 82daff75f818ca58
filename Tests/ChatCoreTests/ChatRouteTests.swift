import AppCore
import ChatCore
import JSON
import Testing

/// `/ws/chat/{room_id}?token=…&since=…` and the decisions taken before the upgrade.
struct ChatRouteTests {
    @Test func parsesRoomTokenAndSince() {
        #expect(
            ChatRoute.parse(target: "/ws/chat/general?token=abc.def.ghi&since=42")
                == .success(ChatRoute(roomID: "general", token: "abc.def.ghi", since: 42)))
        #expect(ChatRoute.parse(target: "/ws/chat/room_1-a") == .success(ChatRoute(roomID: "room_1-a", token: nil, since: nil)))
        #expect(ChatRoute.parse(target: "/ws/chat/%72oom?token=") == .success(ChatRoute(roomID: "room", token: nil, since: nil)))
        #expect(ChatRoute.parse(target: "/ws/chat/r?since=0") == .success(ChatRoute(roomID: "r", token: nil, since: 0)))
    }

    @Test func otherPathsAreNotFound() {
        for target in ["/ws/chat/", "/ws/chat", "/ws/other/x", "/ws/chat/a/b", "/", "/ws/chat/a%2Fb"] {
            #expect(ChatRoute.parse(target: target) == .failure(.notFound), "\(target)")
        }
    }

    @Test func invalidRoomAndSinceAreValidationErrors() {
        guard case .failure(.invalid(let issues)) = ChatRoute.parse(target: "/ws/chat/bad.room?since=x") else {
            Issue.record("expected a validation error")
            return
        }
        #expect(issues.map(\.field) == ["path -> room_id", "query -> since"])
        #expect(issues.map(\.type) == ["string_pattern_mismatch", "int_parsing"])
        guard case .failure(.invalid(let long)) = ChatRoute.parse(target: "/ws/chat/" + String(repeating: "a", count: 65)) else {
            Issue.record("expected a validation error")
            return
        }
        #expect(long.map(\.type) == ["string_too_long"])
        guard case .failure(.invalid(let negative)) = ChatRoute.parse(target: "/ws/chat/r?since=-1") else {
            Issue.record("expected a validation error")
            return
        }
        #expect(negative.map(\.type) == ["greater_than_equal"])
    }

    @Test func roomIDRule() {
        #expect(RoomID.isValid("a"))
        #expect(RoomID.isValid(String(repeating: "Z", count: 64)))
        #expect(!RoomID.isValid(""))
        #expect(!RoomID.isValid(String(repeating: "Z", count: 65)))
        #expect(!RoomID.isValid("日本語"))
        #expect(!RoomID.isValid(".."))
        #expect(!RoomID.isValid("a b"))
    }
}

struct ChatHandshakeTests {
    let origins = OriginPolicy(allowedOrigins: ["http://localhost:3000"])

    func decide(
        _ target: String, method: String = "GET", origin: String? = nil, upgrade: Bool = true,
        origins: OriginPolicy? = nil
    ) -> ChatHandshake.Decision {
        ChatHandshake.decide(
            method: method, target: target, origin: origin, acceptLanguage: nil,
            wantsUpgrade: upgrade, origins: origins ?? self.origins)
    }

    func status(_ decision: ChatHandshake.Decision) -> Int? {
        if case .reject(let response) = decision { return response.status.code }
        return nil
    }

    @Test func acceptsChatUpgrades() {
        guard case .accept(let route, _) = decide("/ws/chat/general?token=t") else {
            Issue.record("not accepted")
            return
        }
        #expect(route.roomID == "general")
        guard case .accept = decide("/ws/chat/general", origin: "http://localhost:3000") else {
            Issue.record("listed origin refused")
            return
        }
        guard
            case .accept = decide(
                "/ws/chat/general", origin: "https://evil.example", origins: OriginPolicy(allowedOrigins: ["*"]))
        else {
            Issue.record("* refused an origin")
            return
        }
    }

    @Test func refusesBeforeTheUpgrade() throws {
        #expect(status(decide("/ws/chat/general", origin: "https://evil.example")) == 403)
        #expect(status(decide("/ws/nothing")) == 404)
        #expect(status(decide("/ws/chat/bad.room")) == 422)
        #expect(status(decide("/ws/chat/general", method: "POST")) == 405)
        #expect(status(decide("/ws/chat/general", upgrade: false)) == 426)
        guard case .reject(let response) = decide("/ws/chat/general", origin: "https://evil.example") else { return }
        #expect(try JSONParser.parse(response.body)["detail"] == "このオリジンからの接続は許可されていません")
    }

    @Test func healthIsAnsweredWithoutUpgrade() {
        guard case .health = decide("/ws/health", upgrade: false) else {
            Issue.record("no health")
            return
        }
        #expect(status(decide("/ws/health", method: "POST", upgrade: false)) == 405)
    }
}
