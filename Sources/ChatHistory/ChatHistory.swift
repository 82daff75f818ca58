import ChatCore
import Postgres

/// The SQL of the stored chat (`chat_messages`, migration 0005), in one place: what the chat
/// daemon stores and replays, what its listener reads back by id, and what the REST history
/// route pages through. One select list and one decoder for a stored message.
public struct ChatHistory {
    public let connection: PGConnection

    public init(connection: PGConnection) {
        self.connection = connection
    }

    /// The select list that `message(from:room:)` decodes, in order.
    static let columns = "id, user_id, content, extract(epoch from created_at)"

    static func message(from row: PGRow, room: String) throws -> ChatMessage {
        let (id, userID, content, timestamp) = try row.decode((Int64, Int, String, Double).self)
        return ChatMessage(id: id, roomID: room, userID: String(userID), content: content, timestamp: timestamp)
    }

    /// Stores a message unless its sender's account is deleted or inactive (then says which):
    /// the account's row is held (`FOR KEY SHARE`) until the commit, so a deletion either waits
    /// for this message (and removes it with the account) or has happened and is seen here.
    public func store(room: String, userID: Int, content: String) throws -> ChatNotification.AccountChange? {
        let row = try connection.query(
            """
            WITH account AS (SELECT id, is_active FROM users WHERE id = \(userID) FOR KEY SHARE),
            stored AS (
                INSERT INTO chat_messages (room_id, user_id, content)
                SELECT \(room), id, \(content) FROM account WHERE is_active RETURNING id
            )
            SELECT (SELECT is_active FROM account), (SELECT count(*) FROM stored)
            """)[0]
        switch try row.decode(0, as: Bool?.self) {
        case nil: return .deleted
        case false?: return .inactive
        case true?: return nil
        }
    }

    /// The room's messages after `afterID`, oldest first, at most `limit` (a `?since=` replay).
    public func messages(after afterID: Int64, room: String, limit: Int) throws -> [ChatMessage] {
        try connection.query(
            """
            SELECT \(unescaped: Self.columns) FROM chat_messages
            WHERE room_id = \(room) AND id > \(afterID) ORDER BY id LIMIT \(limit)
            """
        ).map { try Self.message(from: $0, room: room) }
    }

    /// One stored message (announced by reference, too large for a NOTIFY); nil when it was
    /// deleted meanwhile.
    public func message(id: Int64, room: String) throws -> ChatMessage? {
        try connection.query("SELECT \(unescaped: Self.columns) FROM chat_messages WHERE id = \(id)")
            .first.map { try Self.message(from: $0, room: room) }
    }

    /// One page of a room's messages, oldest first, and whether more lie beyond it.
    ///
    /// With `afterID`: the `limit` messages following it (below `beforeID` when given), and
    /// `hasMore` tells whether newer ones follow. Without: the `limit` newest messages (below
    /// `beforeID` when given), and `hasMore` tells whether older ones precede them.
    public func page(
        room: String, afterID: Int64?, beforeID: Int64?, limit: Int
    ) throws -> (messages: [ChatMessage], hasMore: Bool) {
        let rows: PGResult
        if let afterID {
            rows = try connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM chat_messages
                WHERE room_id = \(room) AND id > \(afterID) AND (\(beforeID)::bigint IS NULL OR id < \(beforeID))
                ORDER BY id LIMIT \(limit + 1)
                """)
        } else {
            rows = try connection.query(
                """
                SELECT \(unescaped: Self.columns) FROM chat_messages
                WHERE room_id = \(room) AND (\(beforeID)::bigint IS NULL OR id < \(beforeID))
                ORDER BY id DESC LIMIT \(limit + 1)
                """)
        }
        var messages = try rows.prefix(limit).map { try Self.message(from: $0, room: room) }
        if afterID == nil { messages.reverse() }
        return (messages, rows.count > limit)
    }
}
