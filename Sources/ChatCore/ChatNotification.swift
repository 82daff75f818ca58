import AppCore
import JSON

/// Names one connection among all daemons: the daemon's random id and a counter of its own.
/// A join notice carries the joiner's key so that the joiner itself is not told.
public struct ConnectionKey: Sendable, Hashable, CustomStringConvertible {
    public var daemon: String
    public var number: UInt64

    public init(daemon: String, number: UInt64) {
        self.daemon = daemon
        self.number = number
    }

    /// `daemon:number`.
    public var description: String { "\(daemon):\(number)" }

    public init?(parsing text: String) {
        guard let colon = text.lastIndex(of: ":"), let number = UInt64(text[text.index(after: colon)...]) else {
            return nil
        }
        self.init(daemon: String(text[..<colon]), number: number)
    }
}

/// What travels between daemons on the PostgreSQL channel `chat_events` (LISTEN/NOTIFY).
///
/// Every daemon, the sender's own included, learns of each event only from the channel, so all
/// of them deliver the same events in the same order: PostgreSQL delivers notifications in
/// commit order. Messages are announced by the insert trigger of `chat_messages` (migration
/// 0005), in full when they fit NOTIFY's 8000-byte payload, else as a reference that the
/// listener reads back by id. Join and leave notices are sent by the daemons with `pg_notify`.
public enum ChatNotification: Sendable, Equatable {
    case message(ChatMessage)
    /// A message too large for the payload: read it by id.
    case messageReference(id: Int64, roomID: String)
    case joined(roomID: String, userID: String, origin: ConnectionKey?)
    case left(roomID: String, userID: String)
    /// An account was deleted or deactivated (the `users_notify_chat` trigger, migration 0006):
    /// every daemon closes that user's connections.
    case account(userID: String, change: AccountChange)

    /// What happened to an account that ends its chat connections.
    public enum AccountChange: String, Sendable, Equatable {
        case deleted
        case inactive

        /// The close code and reason its connections get: the ones a new connection with the
        /// same token would get (4001 for a user that no longer exists, 4003 for an inactive one).
        public var close: (code: CloseCode, reason: String) {
            switch self {
            case .deleted: (.authenticationFailed, ChatTexts.authenticationFailed)
            case .inactive: (.forbidden, ChatTexts.inactiveAccount)
            }
        }
    }

    /// The channel every daemon listens on.
    public static let channel = "chat_events"

    /// The room the event belongs to; nil for an account's change, which concerns every room.
    public var roomID: String? {
        switch self {
        case .message(let message): message.roomID
        case .messageReference(_, let roomID), .joined(let roomID, _, _), .left(let roomID, _): roomID
        case .account: nil
        }
    }

    /// The payload of a join or leave notice (messages are announced by the trigger).
    public func payload() -> String {
        var json = JSONWriter(capacity: 128)
        json.beginObject()
        switch self {
        case .joined(let roomID, let userID, let origin):
            Self.head(&json, kind: "join", roomID: roomID)
            json.key("user_id")
            json.value(userID)
            if let origin {
                json.key("origin")
                json.value(origin.description)
            }
        case .left(let roomID, let userID):
            Self.head(&json, kind: "leave", roomID: roomID)
            json.key("user_id")
            json.value(userID)
        case .message(let message):
            Self.head(&json, kind: "message", roomID: message.roomID)
            json.key("id")
            json.value(message.id)
            json.key("user_id")
            json.value(message.userID)
            json.key("content")
            json.value(message.content)
            json.key("ts")
            json.value(message.timestamp)
        case .messageReference(let id, let roomID):
            Self.head(&json, kind: "message", roomID: roomID)
            json.key("id")
            json.value(id)
            json.key("ref")
            json.value(true)
        case .account(let userID, let change):
            json.key("kind")
            json.value("user")
            json.key("user_id")
            json.value(userID)
            json.key("state")
            json.value(change.rawValue)
        }
        json.endObject()
        return json.string
    }

    private static func head(_ json: inout JSONWriter, kind: String, roomID: String) {
        json.key("kind")
        json.value(kind)
        json.key("room")
        json.value(roomID)
    }

    /// Reads a payload (the trigger's `json_build_object` text or a daemon's notice); nil for
    /// anything else.
    public static func decode(_ payload: String) -> ChatNotification? {
        guard case .object(let object)? = try? JSONParser.parse(payload), let kind = object["kind"]?.stringValue else {
            return nil
        }
        if kind == "user" {
            guard let userID = userID(object["user_id"]),
                let change = object["state"]?.stringValue.flatMap(AccountChange.init(rawValue:))
            else { return nil }
            return .account(userID: userID, change: change)
        }
        guard let roomID = object["room"]?.stringValue else { return nil }
        switch kind {
        case "message":
            guard let id = object["id"]?.intValue else { return nil }
            if object["ref"]?.boolValue == true { return .messageReference(id: id, roomID: roomID) }
            guard let userID = userID(object["user_id"]), let content = object["content"]?.stringValue,
                let timestamp = object["ts"]?.doubleValue
            else { return nil }
            return .message(ChatMessage(id: id, roomID: roomID, userID: userID, content: content, timestamp: timestamp))
        case "join":
            guard let userID = userID(object["user_id"]) else { return nil }
            return .joined(
                roomID: roomID, userID: userID,
                origin: object["origin"]?.stringValue.flatMap(ConnectionKey.init(parsing:)))
        case "leave":
            guard let userID = userID(object["user_id"]) else { return nil }
            return .left(roomID: roomID, userID: userID)
        default:
            return nil
        }
    }

    /// A user id given as a string or (from the trigger's integer column) a number.
    private static func userID(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let text)?: text
        case .int(let number)?: String(number)
        default: nil
        }
    }

    /// The event clients receive for this notification; nil for a reference (read it first) and
    /// for an account's change (its connections are closed instead).
    public var event: ServerEvent? {
        switch self {
        case .message(let message): .message(message)
        case .messageReference: nil
        case .joined(_, let userID, _): .joined(userID: userID)
        case .left(_, let userID): .left(userID: userID)
        case .account: nil
        }
    }
}
