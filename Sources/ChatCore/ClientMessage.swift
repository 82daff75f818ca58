import AppCore
import JSON

/// What a client asks for in one text message, read the way the seed reads it:
/// `type` defaults to `"message"`, `content` to empty text, and any other `type` is ignored.
public enum ClientMessage: Sendable, Equatable {
    /// `{"type":"message","content":"…"}` (or without `type`).
    case message(content: String)
    /// `{"type":"ping"}`.
    case ping
    /// Any other `type` (`{"type":"typing"}`, `{"type":5}`): ignored without an answer, as the
    /// seed ignores it, so that its clients never receive an event they do not know.
    case ignored

    /// Why a text could not be used; sent back as `{"type":"error","code","message"}`.
    public enum Problem: Error, Sendable, Equatable {
        case invalidJSON
        case notAnObject
        case invalidContent
        case nulInContent

        /// The `code` of the error event.
        public var code: String {
            switch self {
            case .invalidJSON: "json_invalid"
            case .notAnObject: "model_attributes_type"
            case .invalidContent: "content_invalid"
            case .nulInContent: "content_invalid"
            }
        }

        public var message: Message {
            switch self {
            case .invalidJSON: ChatTexts.invalidJSON
            case .notAnObject: ChatTexts.notAnObject
            case .invalidContent: ChatTexts.invalidContent
            case .nulInContent: ChatTexts.nulInContent
            }
        }

        /// The error event for the client.
        public var event: ServerEvent { .error(code: code, message: message) }
    }

    /// Reads one text message (already valid UTF-8).
    ///
    /// - A missing or null `type` is a message; `content` missing or null is empty text.
    /// - A `type` other than `message` and `ping`, of whatever JSON kind, is `.ignored`.
    /// - `content` must be a string without U+0000 (which PostgreSQL text cannot hold).
    /// - Other members are ignored, as the seed ignores them.
    public static func parse(_ text: String) -> Result<ClientMessage, Problem> {
        let value: JSONValue
        do {
            value = try JSONParser.parse(text)
        } catch {
            return .failure(.invalidJSON)
        }
        guard case .object(let object) = value else { return .failure(.notAnObject) }
        let type: String
        switch object["type"] {
        case nil, .null?: type = "message"
        case .string(let name)?: type = name
        default: return .success(.ignored)
        }
        switch type {
        case "message":
            let content: String
            switch object["content"] {
            case nil, .null?: content = ""
            case .string(let text)?: content = text
            default: return .failure(.invalidContent)
            }
            guard !content.utf8.contains(0) else { return .failure(.nulInContent) }
            return .success(.message(content: content))
        case "ping":
            return .success(.ping)
        default:
            return .success(.ignored)
        }
    }
}
