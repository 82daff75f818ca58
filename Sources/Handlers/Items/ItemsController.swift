import AppCore

/// `/api/v1/items`: the list (paged, searchable) and single items.
public enum ItemsController {
    static let itemID = Parameter.path("item_id", .integer(.databaseID), description: "アイテムID")

    public static func routes() -> [Route<AppContext>] {
        [
            Route("GET", "/api/v1/items/", Operation(
                summary: "アイテム一覧取得", tags: ["アイテム"],
                parameters: Pagination.parameters + [
                    .query("search", .string(StringRule(maxLength: 200)), description: "検索キーワード"),
                ]
            )) { input, context in
                let (page, perPage) = Pagination.read(input)
                let search = input.string("search").flatMap { $0.isEmpty ? nil : $0 }
                let result = try context.database.withConnection { connection in
                    try ItemRepository(connection: connection).page(number: page, size: perPage, search: search)
                }
                return Response.json { json in
                    json.beginObject()
                    json.key("items")
                    json.beginArray()
                    for item in result.items { item.write(to: &json) }
                    json.endArray()
                    json.key("total")
                    json.value(result.total)
                    json.key("page")
                    json.value(page)
                    json.key("per_page")
                    json.value(perPage)
                    json.endObject()
                }
            },
            Route("GET", "/api/v1/items/{item_id}", Operation(
                summary: "アイテム詳細取得", tags: ["アイテム"], parameters: [itemID]
            )) { input, context in
                let id = input.int("item_id")!
                let item = try context.database.withConnection { connection in
                    try ItemRepository(connection: connection).find(id: id)
                }
                guard let item else { throw HTTPError(.notFound, Message("Item \(id) not found")) }
                return Response.json { json in item.write(to: &json) }
            },
        ]
    }
}
