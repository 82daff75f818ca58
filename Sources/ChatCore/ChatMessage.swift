import AppCore
import JSON

/// A stored chat message, as clients see it, live or from the history:
/// `{"type":"message","id":42,"user_id":"7","content":"…","timestamp":1764393600.123456}`.
public struct ChatMessage: Sendable, Equatable {
    /// The row id; increases with each message of a room, in the order the room receives them.
    public var id: Int64
    public var roomID: String
    /// The sender: the token's `sub`.
    public var userID: String
    public var content: String
    /// When PostgreSQL stored it: Unix seconds with microseconds.
    public var timestamp: Double

    public init(id: Int64, roomID: String, userID: String, content: String, timestamp: Double) {
        self.id = id
        self.roomID = roomID
        self.userID = userID
        self.content = content
        self.timestamp = timestamp
    }

    /// The seed's message event plus our `id`.
    public func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("type")
        json.value("message")
        json.key("id")
        json.value(id)
        json.key("user_id")
        json.value(userID)
        json.key("content")
        json.value(content)
        json.key("timestamp")
        json.value(timestamp)
        json.endObject()
    }
}
