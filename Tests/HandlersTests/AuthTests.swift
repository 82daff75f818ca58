import AppCore
import CryptoSupport
import JSON
import Postgres
import Testing
import TestSupport

/// Registration, login, tokens and access rules through the router, against PostgreSQL.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs PG_TEST_URL (scripts/test sets it)"))
struct AuthTests {
    let client: TestClient

    init() throws {
        client = try TestClient()
    }

    func register(_ fields: [String: JSONValue]) throws -> TestClient.Answer {
        try client.send("POST", "/api/v1/auth/register", json: .object(JSONObject(fields.map { ($0.key, $0.value) })))
    }

    func validRegistration(_ name: String = TestClient.uniqueName()) -> [String: JSONValue] {
        [
            "username": .string(name), "email": .string("\(name)@example.com"),
            "password": "SecurePass123!", "password_confirm": "SecurePass123!",
        ]
    }

    // The seed article's section 12 cases.

    @Test func registerSuccess() throws {
        let answer = try register(validRegistration())
        #expect(answer.status == 201)
        #expect(answer.object?["message"] == "登録完了")
        #expect(answer.object?["user_id"]?.intValue != nil)
    }

    @Test func registerDuplicateEmailIs409() throws {
        var fields = validRegistration()
        #expect(try register(fields).status == 201)
        fields["username"] = .string(TestClient.uniqueName())
        let again = try register(fields)
        #expect(again.status == 409)
        #expect(again.detail == "このメールアドレスは既に登録されています")
    }

    @Test func registerDuplicateUsernameIs409() throws {
        var fields = validRegistration()
        #expect(try register(fields).status == 201)
        fields["email"] = .string("\(TestClient.uniqueName())@example.com")
        #expect(try register(fields).status == 409)
    }

    @Test func loginSuccessAndProfile() throws {
        let account = try client.account()
        let profile = try client.send("GET", "/api/v1/users/profile", token: account.accessToken)
        #expect(profile.status == 200)
        #expect(profile.object?["username"] == .string(account.username))
        #expect(profile.object?["email"] == .string(account.email))
        #expect(profile.object?["display_name"] == .string(account.username))
        #expect(
            profile.object?.keys == [
                "id", "username", "email", "full_name", "age", "is_active", "created_at",
                "updated_at", "display_name",
            ])
        let login = try client.login(email: account.email, password: account.password)
        #expect(login.object?["token_type"] == "bearer")
    }

    @Test func profileWithoutTokenIs401NotAuthenticated() throws {
        let answer = try client.send("GET", "/api/v1/users/profile")
        #expect(answer.status == 401)
        #expect(answer.detail == "Not authenticated")
        #expect(answer.headers["WWW-Authenticate"] == "Bearer")
    }

    // Validation of registrations.

    @Test func registrationValidationReportsEveryProblem() throws {
        let answer = try register([
            "username": "bad name!", "email": "not-an-email", "password": "short",
            "password_confirm": "short", "age": 0, "full_name": .string(String(repeating: "x", count: 101)),
        ])
        #expect(answer.status == 422)
        let errors = answer.object?["errors"]?.arrayValue?.compactMap(\.objectValue) ?? []
        let fields = errors.compactMap { $0["field"]?.stringValue }
        let types = errors.compactMap { $0["type"]?.stringValue }
        #expect(fields == ["body -> username", "body -> email", "body -> full_name", "body -> age", "body -> password"])
        #expect(types == ["string_pattern_mismatch", "value_error", "string_too_long", "greater_than", "string_too_short"])
    }

    @Test func reservedUsernamesAndPasswordMismatch() throws {
        var fields = validRegistration()
        fields["username"] = "Admin"
        let reserved = try register(fields)
        #expect(reserved.status == 422)
        let message = reserved.object?["errors"]?.arrayValue?.first?.objectValue?["message"]?.stringValue
        #expect(message == "Value error, 'Admin' は予約済みユーザー名です")

        fields = validRegistration()
        fields["password_confirm"] = "SomethingElse1!"
        let mismatch = try register(fields)
        #expect(mismatch.status == 422)
        let error = mismatch.object?["errors"]?.arrayValue?.first?.objectValue
        #expect(error?["field"] == "body")
        #expect(error?["message"] == "Value error, パスワードが一致しません")
    }

    @Test func missingFieldsAndMalformedJson() throws {
        let missing = try register([:])
        #expect(
            missing.object?["errors"]?.arrayValue?.compactMap { $0.objectValue?["type"]?.stringValue }
                == ["missing", "missing", "missing", "missing"])
        let malformed = try client.send("POST", "/api/v1/auth/register", rawBody: "{\"username\": ")
        #expect(malformed.status == 422)
        #expect(malformed.object?["errors"]?.arrayValue?.first?.objectValue?["type"] == "json_invalid")
    }

    // Passwords and login.

    @Test func loginFormIsValidatedLikeOAuth2PasswordRequestForm() throws {
        let missing = try client.send("POST", "/api/v1/auth/token", form: [("password", "x")])
        #expect(missing.status == 422)
        #expect(missing.object?["errors"]?.arrayValue?.first?.objectValue?["field"] == "body -> username")
        let badGrant = try client.send(
            "POST", "/api/v1/auth/token",
            form: [("grant_type", "client_credentials"), ("username", "a@b.co"), ("password", "x")])
        #expect(badGrant.status == 422)
        // FastAPI reads a JSON body as a form without fields: 422, both fields missing.
        let json = try client.send("POST", "/api/v1/auth/token", json: ["username": "a@b.co", "password": "x"])
        #expect(json.status == 422)
        let errors = json.object?["errors"]?.arrayValue?.compactMap { $0.objectValue } ?? []
        #expect(errors.map { $0["field"] } == ["body -> username", "body -> password"])
        #expect(errors.map { $0["type"] } == ["missing", "missing"])
    }

    @Test func wrongPasswordAndUnknownEmailGetTheSameAnswer() throws {
        let account = try client.account()
        let wrong = try client.login(email: account.email, password: "WrongPass123!")
        let unknown = try client.login(email: "nobody-\(account.username)@example.com", password: "WrongPass123!")
        for answer in [wrong, unknown] {
            #expect(answer.status == 401)
            #expect(answer.detail == "メールアドレスまたはパスワードが正しくありません")
            #expect(answer.headers["WWW-Authenticate"] == "Bearer")
        }
    }

    @Test func noResponseEverContainsAPasswordHash() throws {
        let account = try client.account()
        for answer in [
            try client.send("GET", "/api/v1/users/profile", token: account.accessToken),
            try client.send("GET", "/api/v1/users/?per_page=100", token: account.accessToken),
            try client.send("PATCH", "/api/v1/users/me", json: ["full_name": "X"], token: account.accessToken),
        ] {
            let text = answer.body?.jsonString ?? ""
            #expect(!text.contains("$2b$") && !text.contains("hashed_password"), "\(text)")
        }
    }

    /// A hash made by the seed's passlib and a token made by the seed's python-jose (same secret)
    /// both work here: a seed database and seed clients carry over.
    @Test func seedHashesAndTokensAreAccepted() throws {
        try client.sql(
            """
            INSERT INTO users (id, username, email, hashed_password, is_active, is_admin, created_at, updated_at)
            VALUES (1900000001, 'seeduser', 'seeduser@example.com',
                    '$2b$12$p8OLDAiMLi/cYuSLB3NBa.Yw/yZdvcv/xtHRcvGz6aVhryTiQGEuO', true, false, now(), now())
            ON CONFLICT DO NOTHING
            """)
        #expect(try client.login(email: "seeduser@example.com", password: "SeedPass123!").status == 200)
        // jwt.encode({"sub": "1900000001", "email": "seeduser@example.com", "exp": 4102444800, "type": "access"},
        //            "test-secret-key", algorithm="HS256") with python-jose 3.
        let seedAccess =
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxOTAwMDAwMDAxIiwiZW1haWwiOiJzZWVkdXNlckBleGFtcGxlLmNvbSIsImV4cCI6NDEwMjQ0NDgwMCwidHlwZSI6ImFjY2VzcyJ9.lMWdzx9bTyMXK1Qjg7voUiFxYP9pbK594D9kObKNvR4"
        let profile = try client.send("GET", "/api/v1/users/profile", token: seedAccess)
        #expect(profile.status == 200)
        #expect(profile.object?["username"] == "seeduser")
    }

    // Token attacks.

    @Test func forgedAndMisusedTokensAreRefused() throws {
        let account = try client.account()
        let now = UnixTime.now()
        let other = JWTSigner(secret: "another-key")
        let ours = JWTSigner(secret: "test-secret-key")
        let header = Base64URL.encode(Array(#"{"alg":"none","typ":"JWT"}"#.utf8))
        let payload = Base64URL.encode(Array(#"{"sub":"\#(account.id)","exp":\#(now + 600),"type":"access"}"#.utf8))
        let attacks = [
            "alg none": "\(header).\(payload).",
            "other key": other.sign(
                JWTClaims([("sub", .string(String(account.id))), ("exp", .int(now + 600)), ("type", "access")])),
            "expired": ours.sign(JWTClaims([("sub", .string(String(account.id))), ("exp", .int(now - 1)), ("type", "access")])),
            "refresh as access": account.refreshToken,
            "garbage": "not.a.token",
            "unknown user": ours.sign(JWTClaims([("sub", "2000000000"), ("exp", .int(now + 600)), ("type", "access")])),
        ]
        for (name, token) in attacks {
            let answer = try client.send("GET", "/api/v1/users/profile", token: token)
            #expect(answer.status == 401, "\(name)")
            #expect(answer.detail == "認証情報が無効です", "\(name)")
            #expect(answer.headers["WWW-Authenticate"] == "Bearer", "\(name)")
        }
        // An access token is no refresh token either.
        let refresh = try client.send("POST", "/api/v1/auth/refresh", json: ["refresh_token": .string(account.accessToken)])
        #expect(refresh.status == 401)
        #expect(refresh.detail == "無効なリフレッシュトークン")
    }

    @Test func refreshRotatesAndReuseRevokesTheFamily() throws {
        let account = try client.account()
        let first = try client.send("POST", "/api/v1/auth/refresh", json: ["refresh_token": .string(account.refreshToken)])
        #expect(first.status == 200)
        let second = try #require(first.object?["refresh_token"]?.stringValue)
        #expect(second != account.refreshToken)
        // The spent token again: refused, and the whole family with it.
        let replay = try client.send("POST", "/api/v1/auth/refresh", json: ["refresh_token": .string(account.refreshToken)])
        #expect(replay.status == 401)
        let afterReuse = try client.send("POST", "/api/v1/auth/refresh", json: ["refresh_token": .string(second)])
        #expect(afterReuse.status == 401)
        #expect(afterReuse.detail == "無効なリフレッシュトークン")
    }

    @Test func logoutRevokesTheRefreshTokenFamily() throws {
        let account = try client.account()
        let logout = try client.send(
            "POST", "/api/v1/auth/logout", json: ["refresh_token": .string(account.refreshToken)],
            token: account.accessToken)
        #expect(logout.status == 204)
        #expect(
            try client.send("POST", "/api/v1/auth/refresh", json: ["refresh_token": .string(account.refreshToken)]).status == 401)
        #expect(
            try client.send("POST", "/api/v1/auth/logout", json: ["refresh_token": .string(account.refreshToken)]).status == 401)
    }

    @Test func inactiveUsersGet403AndCannotRefresh() throws {
        let account = try client.account()
        _ = try client.sql("UPDATE users SET is_active = false WHERE id = \(account.id)")
        let answer = try client.send("GET", "/api/v1/users/profile", token: account.accessToken)
        #expect(answer.status == 403)
        #expect(answer.detail == "アカウントが無効です")
        let refresh = try client.send("POST", "/api/v1/auth/refresh", json: ["refresh_token": .string(account.refreshToken)])
        #expect(refresh.status == 401)
        #expect(refresh.detail == "ユーザーが見つかりません")
    }

    @Test func englishMessagesOnRequest() throws {
        let answer = try client.send("GET", "/api/v1/users/profile", token: "x.y.z", headers: [("Accept-Language", "en")])
        #expect(answer.detail == "Could not validate credentials")
    }

    @Test func idempotentRegistrationCreatesOneUser() throws {
        let fields = validRegistration()
        let body = JSONValue.object(JSONObject(fields.map { ($0.key, $0.value) }))
        let key = [("Idempotency-Key", TestClient.uniqueName("key"))]
        let first = try client.send("POST", "/api/v1/auth/register", json: body, headers: key)
        let second = try client.send("POST", "/api/v1/auth/register", json: body, headers: key)
        #expect(first.status == 201 && second.status == 201)
        #expect(first.body == second.body)
        #expect(second.headers["Idempotent-Replayed"] == "true")
        var changed = fields
        changed["username"] = .string(TestClient.uniqueName())
        let conflicting = try client.send(
            "POST", "/api/v1/auth/register",
            json: .object(JSONObject(changed.map { ($0.key, $0.value) })), headers: key)
        #expect(conflicting.status == 422)
    }
}
