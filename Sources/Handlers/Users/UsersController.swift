import AppCore

/// `/api/v1/users`: the caller's profile, its update, the list, and admin deletion.
public enum UsersController {
    static let userID = Parameter.path("user_id", .integer(.databaseID), description: "ユーザーID")

    public static func routes() -> [Route<AppContext>] {
        [
            Route(
                "GET", "/api/v1/users/profile",
                Operation(
                    summary: "プロフィール取得", tags: ["ユーザー"], name: "get_profile", access: .user,
                    response: .object(ResponseSchemas.user)
                )
            ) { _, _, user in
                Response.json { json in user.write(to: &json) }
            },
            Route(
                "PATCH", "/api/v1/users/me",
                Operation(
                    summary: "プロフィール更新", tags: ["ユーザー"], body: ProfileUpdate.schema, name: "update_me",
                    description: "full_name と age だけを変更できる（他のフィールドは 422 extra_forbidden）。", access: .user,
                    response: .object(ResponseSchemas.user), bodyExample: ["full_name": "John Doe", "age": 31]
                )
            ) { input, context, current in
                let changes = input.body(ProfileUpdate.self)
                let user = try context.database.withConnection { connection in
                    try UserRepository(connection: connection).updateProfile(id: current.id, changes: changes)
                }
                guard let user else { throw HTTPError(.unauthorized, .invalidCredentials, headers: Authenticator.challenge) }
                return Response.json { json in user.write(to: &json) }
            },
            Route(
                "GET", "/api/v1/users/",
                Operation(
                    summary: "ユーザー一覧", tags: ["ユーザー"],
                    parameters: Pagination.parameters + [
                        .query("search", .string(StringRule(maxLength: 200)), description: "ユーザー名・メール・氏名で検索")
                    ],
                    name: "list_users", description: "新しい順。", access: .user, response: .object(ResponseSchemas.userList)
                )
            ) { input, context, _ in
                let (page, perPage) = Pagination.read(input)
                let search = input.string("search").flatMap { $0.isEmpty ? nil : $0 }
                let result = try context.database.withConnection { connection in
                    try UserRepository(connection: connection).page(
                        number: page, size: perPage, search: search,
                        searchTimeoutMilliseconds: context.configuration.searchTimeoutMilliseconds)
                }
                return Pagination.response(
                    "users", result.users, total: result.total, page: page, perPage: perPage,
                    navigation: true
                ) { $0.write(to: &$1) }
            },
            Route(
                "GET", "/api/v1/users/{user_id}",
                Operation(
                    summary: "ユーザー取得", tags: ["ユーザー"],
                    parameters: [
                        userID,
                        .query(
                            "include_private", .boolean, default: false,
                            description: "true: 本人または管理者に全項目を返す"),
                    ],
                    name: "get_user",
                    description: """
                        公開情報（id, username, full_name, display_name）を返す。`include_private=true` は本人と管理者だけが使え、                    ユーザーの全項目を返す（他人には 403）。
                        """,
                    access: .user, response: .anyOf([.object(ResponseSchemas.userPublic), .object(ResponseSchemas.user)]),
                    responses: [
                        403: .error(
                            "本人でも管理者でもないのに include_private=true、またはアカウントが無効",
                            detail: Message.privateFieldsForbidden.japanese),
                        404: .error("ユーザーが見つからない", detail: Message.userNotFound.japanese),
                    ]
                )
            ) { input, context, caller in
                let id = input.integer(userID)
                let includePrivate = input.parameters["include_private"]?.boolValue ?? false
                let user = try context.database.withConnection { connection in
                    guard let user = try UserRepository(connection: connection).find(id: id) else {
                        throw HTTPError(.notFound, .userNotFound)
                    }
                    if includePrivate, caller.id != user.id, !caller.isAdmin {
                        throw HTTPError(.forbidden, .privateFieldsForbidden)
                    }
                    return user
                }
                return Response.json { json in
                    if includePrivate { user.write(to: &json) } else { user.writePublic(to: &json) }
                }
            },
            Route(
                "PATCH", "/api/v1/users/{user_id}",
                Operation(
                    summary: "ユーザーの有効・無効（管理者）", tags: ["ユーザー"], parameters: [userID], body: StandingUpdate.schema,
                    name: "set_user_active",
                    description: """
                        管理者のみ。`is_active: false` でアカウントを無効にする: アクセストークンは次のリクエストから 403、                    リフレッシュトークンはすべて失効し、チャットの接続は 4003 で閉じられる。`true` で再び有効にする                    （失効したリフレッシュトークンは戻らない: 再ログインが必要）。
                        """,
                    access: .admin, response: .object(ResponseSchemas.user),
                    responses: [
                        403: .error("管理者権限が必要、またはアカウントが無効", detail: Message.adminRequired.japanese),
                        404: .error("ユーザーが見つからない", detail: Message.userNotFound.japanese),
                    ],
                    bodyExample: ["is_active": false]
                )
            ) { input, context, _ in
                let id = input.integer(userID)
                let active = input.body(StandingUpdate.self).isActive
                let user = try context.database.withConnection { connection in
                    try AccountAdministration.setActive(id: id, active, connection: connection)
                }
                guard let user else { throw HTTPError(.notFound, .userNotFound) }
                return Response.json { json in user.write(to: &json) }
            },
            Route(
                "DELETE", "/api/v1/users/{user_id}",
                Operation(
                    summary: "ユーザー削除（管理者）", tags: ["ユーザー"],
                    parameters: [userID], successStatus: .noContent,
                    name: "delete_user", access: .admin,
                    responses: [
                        403: .error("管理者権限が必要、またはアカウントが無効", detail: Message.adminRequired.japanese),
                        404: .error("ユーザーが見つからない", detail: Message.userNotFound.japanese),
                    ]
                )
            ) { input, context, _ in
                let id = input.integer(userID)
                let deleted = try context.database.withConnection { connection in
                    try UserRepository(connection: connection).delete(id: id)
                }
                guard deleted else { throw HTTPError(.notFound, .userNotFound) }
                return .empty(.noContent)
            },
        ]
    }
}
