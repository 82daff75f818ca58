import AppCore

extension ResponseSchemas {
    /// A chat message as the WebSocket daemon broadcasts it, plus nothing: the history and the
    /// live events have one shape.
    static let chatMessage = ObjectSchema(
        name: "ChatMessage",
        fields: [
            FieldSchema("type", .string(StringRule(pattern: "^message$", strip: false))),
            FieldSchema("id", id),
            FieldSchema("user_id", text, examples: ["1"]),
            FieldSchema("content", text, examples: ["こんにちは"]),
            FieldSchema("timestamp", .number, description: "Unix 時刻（秒、小数部はマイクロ秒）：WebSocket のメッセージと同じ値"),
        ],
        example: [
            "type": "message", "id": 42, "user_id": "1", "content": "こんにちは", "timestamp": 1764393600.123456,
        ])

    static let chatHistory = ObjectSchema(
        name: "ChatHistoryResponse",
        fields: [
            FieldSchema("room_id", text, examples: ["general"]),
            FieldSchema("messages", .array(ArrayRule(items: .object(chatMessage)))),
            FieldSchema("has_more", .boolean),
        ])
}
