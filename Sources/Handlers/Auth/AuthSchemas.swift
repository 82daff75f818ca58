import AppCore
import JSON

/// Request bodies of `/api/v1/auth`, declared once for validation and documentation.
enum AuthSchemas {
    static let reservedUsernames: Set<String> = ["admin", "root", "system", "api"]

    /// The seed's `UserCreate`: username, email, password, password_confirm, full_name?, age?.
    static let register = ObjectSchema(
        name: "UserCreate",
        fields: [
            FieldSchema(
                "username", .string(StringRule(minLength: 1, maxLength: 50, pattern: "^[a-zA-Z0-9_-]+$")),
                description: "英数字・アンダースコア・ハイフンのみ使用可",
                validate: { value in
                    guard let name = value.stringValue, reservedUsernames.contains(name.lowercased()) else { return nil }
                    return .reservedUsername(name)
                }),
            FieldSchema("email", .string(StringRule(format: .email)), description: "メールアドレス"),
            FieldSchema("full_name", .string(StringRule(maxLength: 100)), required: false, nullable: true),
            FieldSchema(
                "age", .integer(IntegerRule(maximum: 150, exclusiveMinimum: 0)), required: false, nullable: true,
                description: "年齢（1〜150）"),
            // Passwords are taken as typed: stripping them would make " secret " log in as "secret".
            FieldSchema("password", .string(StringRule(minLength: 8, maxLength: 128, strip: false))),
            FieldSchema("password_confirm", .string(StringRule(strip: false))),
        ],
        check: { body in
            body["password"] == body["password_confirm"]
                ? []
                : [
                    ValidationIssue(
                        location: ["body"], type: "value_error",
                        message: Message(
                            ja: "Value error, " + Message.passwordsDoNotMatch.japanese,
                            en: "Value error, " + Message.passwordsDoNotMatch.english))
                ]
        })

    /// OAuth2's password form (`OAuth2PasswordRequestForm`): `username` is the email.
    static let tokenForm = ObjectSchema(
        name: "Body_login_api_v1_auth_token_post",
        fields: [
            FieldSchema("grant_type", .string(StringRule(pattern: "^password$")), required: false, nullable: true),
            FieldSchema("username", .string(StringRule(strip: false))),
            FieldSchema("password", .string(StringRule(strip: false))),
            FieldSchema("scope", .string(StringRule(strip: false)), required: false, defaultValue: ""),
            FieldSchema("client_id", .string(StringRule(strip: false)), required: false, nullable: true),
            FieldSchema("client_secret", .string(StringRule(strip: false)), required: false, nullable: true),
        ])

    /// `{"refresh_token": "..."}` (the seed's `TokenRefresh`).
    static let refresh = ObjectSchema(
        name: "TokenRefresh",
        fields: [
            FieldSchema("refresh_token", .string(StringRule(strip: false)))
        ])
}

/// A registration (`UserCreate`), as the validator left it: stripped, checked, passwords equal.
struct Registration: RequestBody {
    static var schema: ObjectSchema { AuthSchemas.register }

    let username: String
    let email: String
    let password: String
    let fullName: String?
    let age: Int?

    init(validated body: JSONObject) {
        username = body.text("username")
        email = body.text("email")
        password = body.text("password")
        fullName = body.optionalText("full_name")
        age = body.optionalInteger("age")
    }
}

/// The OAuth2 password form: `username` is the email.
struct LoginForm: RequestBody {
    static var schema: ObjectSchema { AuthSchemas.tokenForm }

    let email: String
    let password: String

    init(validated body: JSONObject) {
        email = body.text("username")
        password = body.text("password")
    }
}

/// `{"refresh_token": "..."}`.
struct TokenRefresh: RequestBody {
    static var schema: ObjectSchema { AuthSchemas.refresh }

    let refreshToken: String

    init(validated body: JSONObject) {
        refreshToken = body.text("refresh_token")
    }
}
