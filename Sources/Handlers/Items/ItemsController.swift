import AppCore

/// `/api/v1/items`: the list (paged, searchable) and single items.
public enum ItemsController {
    static let itemID = Parameter.path("item_id", .integer(.databaseID), description: "アイテムID")

    public static func routes() -> [Route<AppContext>] {
        [
            Route(
                "GET", "/api/v1/items/",
                Operation(
                    summary: "アイテム一覧取得", tags: ["アイテム"],
                    parameters: Pagination.parameters + [
                        .query("search", .string(StringRule(maxLength: 200)), description: "検索キーワード")
                    ],
                    name: "list_items", description: "ページネーション対応のアイテム一覧を返す。",
                    response: .object(ResponseSchemas.itemList)
                )
            ) { input, context in
                let (page, perPage) = Pagination.read(input)
                let search = input.string("search").flatMap { $0.isEmpty ? nil : $0 }
                let result = try context.database.withConnection { connection in
                    try ItemRepository(connection: connection).page(
                        number: page, size: perPage, search: search,
                        searchTimeoutMilliseconds: context.configuration.searchTimeoutMilliseconds)
                }
                return Pagination.response("items", result.items, total: result.total, page: page, perPage: perPage) {
                    $0.write(to: &$1)
                }
            },
            Route(
                "GET", "/api/v1/items/{item_id}",
                Operation(
                    summary: "アイテム詳細取得", tags: ["アイテム"], parameters: [itemID, HeaderParameters.ifNoneMatch],
                    name: "get_item", response: .object(ResponseSchemas.item),
                    responses: [
                        304: .empty("If-None-Match が現在の ETag と一致", headers: [("ETag", "現在のエンティティタグ")]),
                        404: .error("アイテムが見つからない", detail: "Item 1 not found"),
                    ]
                )
            ) { input, context in
                let id = input.integer(itemID)
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
            Route.token(
                "POST", "/api/v1/items/",
                Operation(
                    summary: "アイテム作成", tags: ["アイテム"], parameters: [HeaderParameters.idempotencyKey],
                    body: ItemCreate.schema, successStatus: .created, name: "create_item", access: .token,
                    response: .object(ResponseSchemas.item),
                    bodyExample: ["title": "ノートPC", "description": "軽量モデル", "price": 120000]
                )
            ) { input, context, ownerID in
                let newItem = input.body(ItemCreate.self)
                guard input.request.headers[Idempotency.header] != nil else {
                    // The common case: the owner's check and the insert in one statement.
                    return try created(
                        context.database.withConnection { connection in
                            try ItemRepository(connection: connection).create(newItem, activeOwner: ownerID)
                        })
                }
                return try context.database.withConnection { connection in
                    let user = try Authenticator.activeUser(id: ownerID, connection: connection)
                    return try Idempotency.run(
                        input.request, scope: "user:\(user.id)",
                        fingerprintKey: context.idempotencyFingerprints, connection: connection
                    ) { connection in
                        try created(ItemRepository(connection: connection).create(newItem, activeOwner: user.id))
                    }
                }
            },
            Route(
                "PATCH", "/api/v1/items/{item_id}",
                Operation(
                    summary: "アイテム更新", tags: ["アイテム"], parameters: [itemID, HeaderParameters.ifMatch],
                    body: ItemUpdate.schema, name: "update_item",
                    description: "所有者または管理者のみ。null の title・price と未定義のフィールドは 422。", access: .user,
                    response: .object(ResponseSchemas.item), responses: ResponseSchemas.itemChangeErrors,
                    bodyExample: ["price": 98000]
                )
            ) { input, context, user in
                let id = input.integer(itemID)
                let changes = input.body(ItemUpdate.self)
                let item = try changeItem(id, by: user, input: input, context: context) { repository in
                    try repository.update(id: id, changes)
                }
                let (bytes, etag) = item.representation
                var response = Response.json(bytes: bytes)
                response.headers.add("ETag", etag)
                return response
            },
            Route(
                "DELETE", "/api/v1/items/{item_id}",
                Operation(
                    summary: "アイテム削除", tags: ["アイテム"], parameters: [itemID, HeaderParameters.ifMatch],
                    successStatus: .noContent, name: "delete_item", access: .user, responses: ResponseSchemas.itemChangeErrors
                )
            ) { input, context, user in
                let id = input.integer(itemID)
                try changeItem(id, by: user, input: input, context: context) { repository in
                    try repository.delete(id: id)
                }
                return .empty(.noContent)
            },
        ]
    }

    /// 201 with the item, or the refusal for an owner deleted or deactivated meanwhile.
    static func created(_ creation: ItemRepository.Creation) throws -> Response {
        switch creation {
        case .created(let item): return created(item)
        case .ownerMissing: throw Authenticator.refusal(userExists: false)
        case .ownerInactive: throw Authenticator.refusal(userExists: true)
        }
    }

    /// 201 with the new item and its entity tag.
    static func created(_ item: Item) -> Response {
        let (bytes, etag) = item.representation
        var response = Response.json(.created, bytes: bytes)
        response.headers.add("ETag", etag)
        return response
    }

    static func notFound(_ id: Int) -> HTTPError {
        HTTPError(.notFound, Message("Item \(id) not found"))
    }

    /// Runs a change of an item for its owner or an admin, with the item locked, after checking
    /// `If-Match` against its current entity tag (412 when another change came first).
    static func changeItem<Outcome>(
        _ id: Int, by user: User, input: RouteInput, context: AppContext,
        change: (ItemRepository) throws -> Outcome
    ) throws -> Outcome {
        try context.database.withConnection { connection in
            try connection.transaction { connection in
                let repository = ItemRepository(connection: connection)
                guard let item = try repository.lock(id: id) else { throw notFound(id) }
                guard item.ownerID == user.id || user.isAdmin else { throw HTTPError(.forbidden, .notItemOwner) }
                if let condition = input.request.headers["if-match"],
                    !EntityTag.matches(condition, current: item.representation.etag)
                {
                    throw HTTPError(.preconditionFailed, .preconditionFailed)
                }
                return try change(repository)
            }
        }
    }
}
