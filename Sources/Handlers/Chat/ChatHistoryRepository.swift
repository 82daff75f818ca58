import ChatCore
import Postgres

/// The SQL of the chat history (`chat_messages`, migration 0005), for the REST route.
/// The WebSocket daemon has its own statements (ChatServer's `ChatStore`).
struct ChatHistoryRepository {
    let connection: PGConnection

    /// The select list that `message(from:room:)` decodes, in order.
    static let columns = "id, user_id, content, extract(epoch from created_at)"

    /// One page of a room's messages, oldest first, and whether more lie beyond it.
    ///
    /// With `afterID`: the `limit` messages following it (below `beforeID` when given), and
    /// `hasMore` tells whether newer ones follow. Without: the `limit` newest messages (below
    /// `beforeID` when given), and `hasMore` tells whether older ones precede them.
    func page(room: String, afterID: Int64?, beforeID: Int64?, limit: Int) throws -> (messages: [ChatMessage], hasMore: Bool) {
        let rows: PGResult
        if let afterID {
            rows = try connection.query("""
                SELECT \(unescaped: Self.columns) FROM chat_messages
                WHERE room_id = \(room) AND id > \(afterID) AND (\(beforeID)::bigint IS NULL OR id < \(beforeID))
                ORDER BY id LIMIT \(limit + 1)
                """)
        } else {
            rows = try connection.query("""
                SELECT \(unescaped: Self.columns) FROM chat_messages
                WHERE room_id = \(room) AND (\(beforeID)::bigint IS NULL OR id < \(beforeID))
                ORDER BY id DESC LIMIT \(limit + 1)
                """)
        }
        var messages = try rows.prefix(limit).map { try Self.message(from: $0, room: room) }
        if afterID == nil { messages.reverse() }
        return (messages, rows.count > limit)
    }

    static func message(from row: PGRow, room: String) throws -> ChatMessage {
        let (id, userID, content, timestamp) = try row.decode((Int64, Int, String, Double).self)
        return ChatMessage(id: id, roomID: room, userID: String(userID), content: content, timestamp: timestamp)
    }
}
