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
                guard let item else { throw notFound(id) }
                let (body, etag) = item.representation
                if let condition = input.request.headers["if-none-match"], !EntityTag.noneMatch(condition, current: etag) {
                    return Response(status: .notModified, headers: ["ETag": etag])
                }
                var response = Response.json(bytes: body)
                response.headers.add("ETag", etag)
                return response
            },
            Route("POST", "/api/v1/items/", Operation(
                summary: "アイテム作成", tags: ["アイテム"], body: ItemSchemas.create, successStatus: .created
            )) { input, context in
                let body = input.body!
                return try context.database.withConnection { connection in
                    let user = try Authenticator.activeUser(input.request, context: context, connection: connection)
                    return try Idempotency.run(input.request, scope: "user:\(user.id)", connection: connection) { connection in
                        let item = try ItemRepository(connection: connection).create(
                            title: body["title"]!.stringValue!, description: body["description"]?.stringValue,
                            price: Int(body["price"]!.intValue!), ownerID: user.id)
                        let (bytes, etag) = item.representation
                        var response = Response.json(.created, bytes: bytes)
                        response.headers.add("ETag", etag)
                        return response
                    }
                }
            },
            Route("PATCH", "/api/v1/items/{item_id}", Operation(
                summary: "アイテム更新", tags: ["アイテム"], parameters: [itemID], body: ItemSchemas.update
            )) { input, context in
                let id = input.int("item_id")!
                let item = try changeItem(id, input: input, context: context) { repository in
                    try repository.update(id: id, changes: input.body!)
                }
                let (bytes, etag) = item!.representation
                var response = Response.json(bytes: bytes)
                response.headers.add("ETag", etag)
                return response
            },
            Route("DELETE", "/api/v1/items/{item_id}", Operation(
                summary: "アイテム削除", tags: ["アイテム"], parameters: [itemID], successStatus: .noContent
            )) { input, context in
                let id = input.int("item_id")!
                _ = try changeItem(id, input: input, context: context) { repository in
                    try repository.delete(id: id)
                    return nil
                }
                return .empty(.noContent)
            },
        ]
    }

    static func notFound(_ id: Int) -> HTTPError {
        HTTPError(.notFound, Message("Item \(id) not found"))
    }

    /// Runs a change of an item for its owner or an admin, with the item locked, after checking
    /// `If-Match` against its current entity tag (412 when another change came first).
    static func changeItem(_ id: Int, input: RouteInput, context: AppContext,
                           change: (ItemRepository) throws -> Item?) throws -> Item? {
        try context.database.withConnection { connection in
            let user = try Authenticator.activeUser(input.request, context: context, connection: connection)
            return try connection.transaction { connection in
                let repository = ItemRepository(connection: connection)
                guard let item = try repository.lock(id: id) else { throw notFound(id) }
                guard item.ownerID == user.id || user.isAdmin else { throw HTTPError(.forbidden, .notItemOwner) }
                if let condition = input.request.headers["if-match"],
                   !EntityTag.matches(condition, current: item.representation.etag) {
                    throw HTTPError(.preconditionFailed, .preconditionFailed)
                }
                return try change(repository)
            }
        }
    }
}
