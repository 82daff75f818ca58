import AppCore

/// `/api/v1/users`: the caller's profile, its update, the list, and admin deletion.
public enum UsersController {
    /// The seed's `UserUpdate` (`extra="forbid"`): only full_name and age, both nullable.
    static let update = ObjectSchema(name: "UserUpdate", fields: [
        FieldSchema("full_name", .string(StringRule(maxLength: 100)), required: false, nullable: true),
        FieldSchema("age", .integer(IntegerRule(maximum: 150, exclusiveMinimum: 0)), required: false, nullable: true),
    ], allowsExtraFields: false)

    public static func routes() -> [Route<AppContext>] {
        [
            Route("GET", "/api/v1/users/profile", Operation(
                summary: "プロフィール取得", tags: ["ユーザー"], name: "get_profile", requiresAuth: true,
                response: .object(ResponseSchemas.user)
            )) { input, context in
                let user = try context.database.withConnection { connection in
                    try Authenticator.activeUser(input.request, context: context, connection: connection)
                }
                return Response.json { json in user.write(to: &json) }
            },
            Route("PATCH", "/api/v1/users/me", Operation(
                summary: "プロフィール更新", tags: ["ユーザー"], body: update, name: "update_me",
                description: "full_name と age だけを変更できる（他のフィールドは 422 extra_forbidden）。", requiresAuth: true,
                response: .object(ResponseSchemas.user), bodyExample: ["full_name": "John Doe", "age": 31]
            )) { input, context in
                let user = try context.database.withConnection { connection in
                    let current = try Authenticator.activeUser(input.request, context: context, connection: connection)
                    return try UserRepository(connection: connection).updateProfile(id: current.id, changes: input.body!)
                }
                guard let user else { throw HTTPError(.unauthorized, .invalidCredentials, headers: Authenticator.challenge) }
                return Response.json { json in user.write(to: &json) }
            },
            Route("GET", "/api/v1/users/", Operation(
                summary: "ユーザー一覧", tags: ["ユーザー"],
                parameters: Pagination.parameters + [
                    .query("search", .string(StringRule(maxLength: 200)), description: "ユーザー名・メール・氏名で検索"),
                ],
                name: "list_users", description: "新しい順。", requiresAuth: true, response: .object(ResponseSchemas.userList)
            )) { input, context in
                let (page, perPage) = Pagination.read(input)
                let search = input.string("search").flatMap { $0.isEmpty ? nil : $0 }
                let result = try context.database.withConnection { connection in
                    _ = try Authenticator.activeUser(input.request, context: context, connection: connection)
                    return try UserRepository(connection: connection).page(number: page, size: perPage, search: search)
                }
                return Pagination.response("users", result.users, total: result.total, page: page, perPage: perPage,
                                           navigation: true) { $0.write(to: &$1) }
            },
            Route("DELETE", "/api/v1/users/{user_id}", Operation(
                summary: "ユーザー削除（管理者）", tags: ["ユーザー"],
                parameters: [.path("user_id", .integer(.databaseID), description: "ユーザーID")], successStatus: .noContent,
                name: "delete_user", requiresAuth: true,
                responses: [
                    403: .error("管理者権限が必要、またはアカウントが無効", detail: Message.adminRequired.japanese),
                    404: .error("ユーザーが見つからない", detail: Message.userNotFound.japanese),
                ]
            )) { input, context in
                let id = input.int("user_id")!
                let deleted = try context.database.withConnection { connection in
                    _ = try Authenticator.admin(input.request, context: context, connection: connection)
                    return try UserRepository(connection: connection).delete(id: id)
                }
                guard deleted else { throw HTTPError(.notFound, .userNotFound) }
                return .empty(.noContent)
            },
        ]
    }
}
