import AppCore
import JSON

/// The seed's `UserUpdate` (`extra="forbid"`): only full_name and age, both nullable; an absent
/// field stays as it is.
struct ProfileUpdate: RequestBody {
    static let schema = ObjectSchema(
        name: "UserUpdate",
        fields: [
            FieldSchema("full_name", .string(StringRule(maxLength: 100)), required: false, nullable: true),
            FieldSchema("age", .integer(IntegerRule(maximum: 150, exclusiveMinimum: 0)), required: false, nullable: true),
        ], allowsExtraFields: false)

    let fullName: Patch<String>
    let age: Patch<Int>

    init(validated body: JSONObject) {
        fullName = body.patch("full_name") { $0.stringValue }
        age = body.patch("age") { $0.intValue.map { Int($0) } }
    }
}

/// `PATCH /users/{user_id}`: an administrator suspends or restores an account.
struct StandingUpdate: RequestBody {
    static let schema = ObjectSchema(
        name: "UserStandingUpdate",
        fields: [
            FieldSchema("is_active", .boolean, description: "false: トークンとチャット接続を即座に無効化。true: 再び有効化")
        ], allowsExtraFields: false)

    let isActive: Bool

    init(validated body: JSONObject) {
        isActive = body.flag("is_active")
    }
}
