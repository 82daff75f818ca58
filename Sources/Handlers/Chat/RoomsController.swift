import AppCore
import ChatCore
import ChatHistory

/// `/api/v1/rooms/{room_id}/messages`: the stored history of a WebSocket chat room.
public enum RoomsController {
    static let messageID = IntegerRule(minimum: 0, maximum: Int64.max)
    static let roomID = Parameter.path("room_id", .string(RoomID.rule), description: "ルームID（英数字・_・-、64文字まで）")

    public static func routes() -> [Route<AppContext>] {
        [
            Route(
                "GET", "/api/v1/rooms/{room_id}/messages",
                Operation(
                    summary: "チャット履歴取得", tags: ["チャット"],
                    parameters: [
                        roomID,
                        .query("after_id", .integer(messageID), description: "このIDより後のメッセージ（古い順に前へ進む）"),
                        .query("before_id", .integer(messageID), description: "このIDより前のメッセージ（新しい順に遡る）"),
                        .query("limit", .integer(IntegerRule(minimum: 1, maximum: 100)), default: 50, description: "最大件数"),
                    ],
                    name: "list_room_messages",
                    description: """
                        WebSocket の `/ws/chat/{room_id}` に送られ保存されたメッセージを、古い順に返す。\
                        `after_id` を付けるとその後の `limit` 件（続きがあれば `has_more`）、付けなければ最新の \
                        `limit` 件（さらに古いものがあれば `has_more`）。`before_id` で上限を付けて遡る。\
                        各メッセージはライブ配信と同じ形（`id` を `?since=` に使える）。
                        """,
                    access: .user, response: .object(ResponseSchemas.chatHistory)
                )
            ) { input, context, _ in
                let room = input.text(roomID)
                let limit = input.int("limit") ?? 50
                let afterID = input.parameters["after_id"]?.intValue
                let beforeID = input.parameters["before_id"]?.intValue
                let page = try context.database.withConnection { connection in
                    try ChatHistory(connection: connection)
                        .page(room: room, afterID: afterID, beforeID: beforeID, limit: limit)
                }
                return Response.json { json in
                    json.beginObject()
                    json.key("room_id")
                    json.value(room)
                    json.key("messages")
                    json.beginArray()
                    for message in page.messages { message.write(to: &json) }
                    json.endArray()
                    json.key("has_more")
                    json.value(page.hasMore)
                    json.endObject()
                }
            }
        ]
    }
}
