import AppCore

/// The bodies the handlers answer with, declared once for the OpenAPI document (FastAPI's
/// `response_model`s). The handlers write these bodies themselves (`User.write`, `Item.write`,
/// …); the schemathesis run in scripts/stack-tests/80-openapi.sh checks every answer against
/// these declarations, so a handler that drifts from them fails the tests. The published
/// document leaves them open to new keys (generated clients must keep working when a key is
/// added); 80-openapi.sh checks the answers against a closed copy, so a new key must still be
/// declared here.
enum ResponseSchemas {
    // Integers without bounds: a seed database served as it is may hold any value.
    static let id = Schema.integer(IntegerRule())
    static let count = Schema.integer(IntegerRule())
    static let text = Schema.string(StringRule(strip: false))

    /// `item`: id, title, description, price, owner_id, created_at.
    static let item = ObjectSchema(
        name: "ItemResponse",
        fields: [
            FieldSchema("id", id),
            FieldSchema("title", text),
            FieldSchema("description", text, nullable: true),
            FieldSchema("price", count),
            FieldSchema("owner_id", id),
            Timestamp.field("created_at"),
        ],
        example: [
            "id": 1, "title": "ノートPC", "description": "軽量モデル", "price": 120000, "owner_id": 1,
            "created_at": "2026-11-29T05:00:00.123456+00:00",
        ])

    static let itemList = ObjectSchema(
        name: "ItemListResponse",
        fields: [
            FieldSchema("items", .array(ArrayRule(items: .object(item)))),
            FieldSchema("total", count),
            FieldSchema("page", id),
            FieldSchema("per_page", id),
        ])

    /// `user`: never a password hash; `display_name` is full_name or username.
    static let user = ObjectSchema(
        name: "UserResponse",
        fields: [
            FieldSchema("id", id),
            FieldSchema("username", text, examples: ["john_doe"]),
            FieldSchema("email", text, examples: ["john@example.com"]),
            FieldSchema("full_name", text, nullable: true),
            FieldSchema("age", .integer(IntegerRule()), nullable: true),
            FieldSchema("is_active", .boolean),
            Timestamp.field("created_at"),
            Timestamp.field("updated_at"),
            FieldSchema("display_name", text),
        ])

    /// What any signed-in caller may see of another user (`GET /users/{user_id}`).
    static let userPublic = ObjectSchema(
        name: "UserPublic",
        fields: [
            FieldSchema("id", id),
            FieldSchema("username", text, examples: ["john_doe"]),
            FieldSchema("full_name", text, nullable: true),
            FieldSchema("display_name", text),
        ])

    static let userList = ObjectSchema(
        name: "UserListResponse",
        fields: [
            FieldSchema("users", .array(ArrayRule(items: .object(user)))),
            FieldSchema("total", count),
            FieldSchema("page", id),
            FieldSchema("per_page", id),
            FieldSchema("has_next", .boolean),
            FieldSchema("total_pages", count),
        ])

    static let token = ObjectSchema(
        name: "Token",
        fields: [
            FieldSchema("access_token", text),
            FieldSchema("refresh_token", text),
            FieldSchema("token_type", .string(StringRule(pattern: "^bearer$", strip: false))),
        ])

    static let registered = ObjectSchema(
        name: "RegisterResponse",
        fields: [
            FieldSchema("message", text, examples: ["登録完了"]),
            FieldSchema("user_id", id),
        ])

    static let health = ObjectSchema(
        name: "HealthResponse",
        fields: [
            FieldSchema("status", text, examples: ["ok"]),
            FieldSchema("version", text, examples: ["1.0.0"]),
        ])

    static let readiness = ObjectSchema(
        name: "ReadinessResponse",
        fields: [
            FieldSchema("status", text, examples: ["ok"]),
            FieldSchema("database", text, examples: ["ok"]),
        ])

    /// The errors of changing an item (PATCH and DELETE).
    static let itemChangeErrors: [Int: ResponseDoc] = [
        403: .error("所有者でも管理者でもない、またはアカウントが無効", detail: Message.notItemOwner.japanese),
        404: .error("アイテムが見つからない", detail: "Item 1 not found"),
        412: .error("If-Match が現在の ETag と一致しない", detail: Message.preconditionFailed.japanese),
    ]
}
