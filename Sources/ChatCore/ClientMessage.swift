import AppCore

/// What a client asks for in one text message, read the way the seed reads it:
/// `type` defaults to `"message"`, `content` to empty text.
public enum ClientMessage: Sendable, Equatable {
    /// `{"type":"message","content":"…"}` (or without `type`).
    case message(content: String)
    /// `{"type":"ping"}`.
    case ping

    /// Why a text could not be used; sent back as `{"type":"error","code","message"}`.
    public enum Problem: Error, Sendable, Equatable {
        case invalidJSON
        case notAnObject
        case invalidType
        case unknownType(String)
        case invalidContent
        case nulInContent

        /// The `code` of the error event.
        public var code: String {
            switch self {
            case .invalidJSON: "json_invalid"
            case .notAnObject: "model_attributes_type"
            case .invalidType: "type_invalid"
            case .unknownType: "type_unknown"
            case .invalidContent: "content_invalid"
            case .nulInContent: "content_invalid"
            }
        }

        public var message: Message {
            switch self {
            case .invalidJSON: ChatTexts.invalidJSON
            case .notAnObject: ChatTexts.notAnObject
            case .invalidType: ChatTexts.invalidType
            case .unknownType(let type): ChatTexts.unknownType(type)
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
        default: return .failure(.invalidType)
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
            return .failure(.unknownType(type))
        }
    }
}
