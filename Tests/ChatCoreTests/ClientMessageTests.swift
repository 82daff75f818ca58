import AppCore
import ChatCore
import JSON
import Testing

/// Client texts, read as the seed reads them (`type` defaults to message, `content` to "").
struct ClientMessageTests {
    @Test func messagesAndPings() {
        #expect(ClientMessage.parse(#"{"type":"message","content":"こんにちは"}"#) == .success(.message(content: "こんにちは")))
        #expect(ClientMessage.parse(#"{"content":"no type"}"#) == .success(.message(content: "no type")))
        #expect(ClientMessage.parse(#"{"type":"message"}"#) == .success(.message(content: "")))
        #expect(ClientMessage.parse(#"{}"#) == .success(.message(content: "")))
        #expect(ClientMessage.parse(#"{"type":null,"content":null}"#) == .success(.message(content: "")))
        #expect(ClientMessage.parse(#" {"type":"ping"} "#) == .success(.ping))
        #expect(ClientMessage.parse(#"{"type":"ping","content":"ignored","extra":[1,2]}"#) == .success(.ping))
    }

    @Test func otherTypesAreIgnoredAsTheSeedIgnoresThem() {
        #expect(ClientMessage.parse(#"{"type":"shout","content":"x"}"#) == .success(.ignored))
        #expect(ClientMessage.parse(#"{"type":"typing"}"#) == .success(.ignored))
        #expect(ClientMessage.parse(#"{"type":5}"#) == .success(.ignored))
        #expect(ClientMessage.parse(#"{"type":["message"]}"#) == .success(.ignored))
    }

    @Test func problemsAreReportedNotThrown() {
        #expect(ClientMessage.parse("not json") == .failure(.invalidJSON))
        #expect(ClientMessage.parse("") == .failure(.invalidJSON))
        #expect(ClientMessage.parse(#"{"type":"message","content":"x"} trailing"#) == .failure(.invalidJSON))
        #expect(ClientMessage.parse("[1,2]") == .failure(.notAnObject))
        #expect(ClientMessage.parse("\"text\"") == .failure(.notAnObject))
        #expect(ClientMessage.parse(#"{"content":42}"#) == .failure(.invalidContent))
        #expect(ClientMessage.parse(#"{"content":{"a":1}}"#) == .failure(.invalidContent))
        #expect(ClientMessage.parse(#"{"content":"a\u0000b"}"#) == .failure(.nulInContent))
    }

    @Test func problemsBecomeErrorEvents() {
        let event = ClientMessage.Problem.invalidJSON.event
        #expect(
            String(decoding: event.json(), as: UTF8.self)
                == #"{"type":"error","code":"json_invalid","message":"JSONの形式が不正です"}"#)
        #expect(
            String(decoding: event.json(language: .english), as: UTF8.self)
                == #"{"type":"error","code":"json_invalid","message":"Malformed JSON"}"#)
    }
}

/// What the server sends: the seed's shapes, byte for byte.
struct ServerEventTests {
    func text(_ event: ServerEvent) -> String { String(decoding: event.json(), as: UTF8.self) }

    @Test func seedShapes() {
        #expect(text(.joined(userID: "7")) == #"{"type":"join","user_id":"7","message":"7が入室しました"}"#)
        #expect(text(.left(userID: "7")) == #"{"type":"leave","user_id":"7","message":"7が退室しました"}"#)
        #expect(text(.pong) == #"{"type":"pong"}"#)
        let message = ChatMessage(id: 42, roomID: "general", userID: "7", content: "a \"quote\"\n", timestamp: 1764393600.123456)
        #expect(
            text(.message(message))
                == #"{"type":"message","id":42,"user_id":"7","content":"a \"quote\"\n","timestamp":1764393600.123456}"#)
    }

    @Test func timestampIsANumberEvenWhenWhole() throws {
        let message = ChatMessage(id: 1, roomID: "r", userID: "1", content: "", timestamp: 1764393600)
        let parsed = try JSONParser.parse(ServerEvent.message(message).json())
        #expect(parsed["timestamp"] == .double(1764393600))
    }
}
