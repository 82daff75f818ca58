import AppCore
import JSON

/// A JSON text the server sends to clients.
public enum ServerEvent: Sendable, Equatable {
    /// To the others of the room: `{"type":"join","user_id","message":"{user_id}が入室しました"}`.
    case joined(userID: String)
    /// To the others of the room: `{"type":"leave","user_id","message":"{user_id}が退室しました"}`.
    case left(userID: String)
    /// To everyone in the room, sender included.
    case message(ChatMessage)
    /// The answer to `{"type":"ping"}`: exactly `{"type":"pong"}`.
    case pong
    /// To the sender of something the server could not use; the connection stays open.
    case error(code: String, message: Message)

    /// The UTF-8 JSON text; `language` picks the text of errors (notices are the seed's Japanese).
    public func json(language: MessageLanguage = .japanese) -> [UInt8] {
        var json = JSONWriter(capacity: 128)
        switch self {
        case .joined(let userID):
            Self.notice(&json, type: "join", userID: userID, text: ChatTexts.joined(userID))
        case .left(let userID):
            Self.notice(&json, type: "leave", userID: userID, text: ChatTexts.left(userID))
        case .message(let message):
            message.write(to: &json)
        case .pong:
            json.beginObject()
            json.key("type")
            json.value("pong")
            json.endObject()
        case .error(let code, let message):
            json.beginObject()
            json.key("type")
            json.value("error")
            json.key("code")
            json.value(code)
            json.key("message")
            json.value(message.text(in: language))
            json.endObject()
        }
        return json.bytes
    }

    private static func notice(_ json: inout JSONWriter, type: String, userID: String, text: String) {
        json.beginObject()
        json.key("type")
        json.value(type)
        json.key("user_id")
        json.value(userID)
        json.key("message")
        json.value(text)
        json.endObject()
    }
}
