import AppCore
import CryptoSupport
import Identity
import JobQueue
import Postgres

/// `/api/v1/auth`: registration, the OAuth2 password login, refresh-token rotation, logout.
public enum AuthController {
    public static func routes() -> [Route<AppContext>] {
        [
            Route(
                "POST", "/api/v1/auth/register",
                Operation(
                    summary: "ユーザー登録", tags: ["認証"], parameters: [HeaderParameters.idempotencyKey],
                    body: Registration.schema, successStatus: .created, name: "register",
                    description: "ユーザーを登録し、ウェルカムメールを同じトランザクションでキューに入れる。",
                    response: .object(ResponseSchemas.registered),
                    responses: [409: .error("メールアドレスまたはユーザー名が登録済み", detail: Message.emailTaken.japanese)],
                    bodyExample: [
                        "username": "john_doe", "email": "john@example.com", "password": "secret-password",
                        "password_confirm": "secret-password", "full_name": "John Doe", "age": 30,
                    ]
                )
            ) { input, context in
                try register(input.body(Registration.self), request: input.request, context: context)
            },
            Route(
                "POST", "/api/v1/auth/token",
                Operation(
                    summary: "ログイン（トークン発行）", tags: ["認証"], body: LoginForm.schema, bodyFormat: .form,
                    rateLimit: .login,
                    name: "login", description: "OAuth2 パスワードフロー。`username` にはメールアドレスを入れる。",
                    response: .object(ResponseSchemas.token),
                    responses: [
                        401: .error(
                            "メールアドレスまたはパスワードが正しくない", detail: Message.loginFailed.japanese,
                            headers: [("WWW-Authenticate", "Bearer")])
                    ],
                    bodyExample: ["username": "john@example.com", "password": "secret-password"]
                )
            ) { input, context in
                try login(input.body(LoginForm.self), context: context)
            },
            Route(
                "POST", "/api/v1/auth/refresh",
                Operation(
                    summary: "トークン更新", tags: ["認証"], body: TokenRefresh.schema, name: "refresh_token",
                    description: "リフレッシュトークンは一度だけ使える。使用済みのものを再び使うと、その系列がすべて失効する。",
                    response: .object(ResponseSchemas.token),
                    responses: [
                        401: .error(
                            "無効なリフレッシュトークン、またはユーザーが見つからない",
                            detail: Message.invalidRefreshToken.japanese)
                    ]
                )
            ) { input, context in
                try refresh(input.body(TokenRefresh.self), request: input.request, context: context)
            },
            Route(
                "POST", "/api/v1/auth/logout",
                Operation(
                    summary: "ログアウト（リフレッシュトークン失効）", tags: ["認証"], body: TokenRefresh.schema,
                    successStatus: .noContent, name: "logout", access: .user,
                    responses: [
                        401: .error(
                            "認証されていない、または無効なリフレッシュトークン", detail: Message.notAuthenticated.japanese,
                            headers: [("WWW-Authenticate", "Bearer")])
                    ]
                )
            ) { input, context, user in
                try logout(input.body(TokenRefresh.self), caller: user, context: context)
            },
        ]
    }

    static func register(_ registration: Registration, request: Request, context: AppContext) throws -> Response {
        // Hash before the transaction: bcrypt takes a quarter of a second and holds no lock.
        let hash = try context.passwords.hash(registration.password)
        return try context.database.withConnection { connection in
            try Idempotency.run(
                request, scope: "anon:" + request.clientAddress,
                fingerprintKey: context.idempotencyFingerprints, connection: connection
            ) { connection in
                let created = try UserRepository(connection: connection).create(
                    .init(
                        username: registration.username, email: registration.email, passwordHash: hash,
                        fullName: registration.fullName, age: registration.age))
                let userID: Int
                switch created {
                case .created(let id): userID = id
                case .emailTaken: throw HTTPError(.conflict, .emailTaken)
                case .usernameTaken: throw HTTPError(.conflict, .usernameTaken)
                }
                // The welcome mail commits with the user, or neither does.
                try JobQueue.enqueue(
                    WelcomeMail.job(
                        to: registration.email, username: registration.username,
                        language: request.language,
                        maxAttempts: context.jobs.maxAttempts), on: connection)
                return Response.json(.created) { json in
                    json.beginObject()
                    json.key("message")
                    json.value(Message.registered.text(in: request.language))
                    json.key("user_id")
                    json.value(userID)
                    json.endObject()
                }
            }
        }
    }

    static func login(_ form: LoginForm, context: AppContext) throws -> Response {
        let email = normalizedEmail(form.email)
        let password = form.password
        return try context.database.withConnection { connection in
            guard let (user, hash) = try UserRepository(connection: connection).findForLogin(email: email) else {
                // Same work as a real check, so the answer time does not tell which emails exist.
                context.passwords.verifyDummy(password)
                throw HTTPError(.unauthorized, .loginFailed, headers: Authenticator.challenge)
            }
            guard context.passwords.verify(password, against: hash) else {
                throw HTTPError(.unauthorized, .loginFailed, headers: Authenticator.challenge)
            }
            return try connection.transaction { connection in
                // The account may have been deleted while bcrypt ran: hold it until the tokens
                // are recorded, or answer as for an unknown account.
                guard try UserRepository(connection: connection).lockKey(id: user.id) != nil else {
                    throw HTTPError(.unauthorized, .loginFailed, headers: Authenticator.challenge)
                }
                return try tokenPair(for: user, family: .new, context: context, connection: connection)
            }
        }
    }

    /// Exchanges a refresh token for a new pair. Each refresh token works once: the used one is
    /// marked, and presenting a used one again revokes its whole family (it was stolen, or
    /// replayed). Tokens made by the seed app have no `jti`; they are tracked by their digest.
    ///
    /// One transaction, locks taken in the repository's order: the user (so a concurrent
    /// deletion waits for this refresh, or this refresh sees the user gone), then the family (so
    /// refreshes and revocations of one family take turns, and a revocation is seen by every
    /// refresh after it), then the token's use.
    static func refresh(_ body: TokenRefresh, request: Request, context: AppContext) throws -> Response {
        let token = body.refreshToken
        guard let (userID, claims) = context.tokens.verify(token, type: "refresh", now: context.now()) else {
            throw HTTPError(.unauthorized, .invalidRefreshToken)
        }
        let jti = recordedID(token, claims: claims)
        enum Outcome { case issued(Response), reused, invalid, noUser }
        let outcome: Outcome = try context.database.withConnection { connection in
            try connection.transaction { connection in
                guard let user = try UserRepository(connection: connection).lockKey(id: userID), user.isActive else {
                    return .noUser
                }
                let tokens = RefreshTokenRepository(connection: connection)
                if claims.jwtID == nil {
                    // A seed token: recorded (once, whoever comes first) as the only token of a
                    // family of its own, then spent below like any other.
                    try tokens.adoptSeedToken(
                        jti: jti, familyID: seedFamilyID(jti), userID: userID,
                        expiresAt: claims.expiration ?? context.now())
                }
                guard let familyID = try tokens.familyID(of: jti),
                    let family = try tokens.lockFamily(familyID), family.userID == userID, !family.revoked
                else { return .invalid }
                guard try tokens.markUsed(jti: jti) else {
                    try tokens.revokeFamily(familyID)
                    return .reused
                }
                return .issued(try tokenPair(for: user, family: .existing(familyID), context: context, connection: connection))
            }
        }
        switch outcome {
        case .issued(let response):
            return response
        case .reused:
            context.logger.warning("Refresh token reused; family revoked", metadata: ["request.id": "\(request.id)"])
            throw HTTPError(.unauthorized, .invalidRefreshToken)
        case .invalid:
            throw HTTPError(.unauthorized, .invalidRefreshToken)
        case .noUser:
            throw HTTPError(.unauthorized, .userNotFound)
        }
    }

    /// Revokes the family of the given refresh token (the caller's own): 204. A token whose
    /// family is revoked already (an earlier or concurrent logout, a detected reuse) is no longer
    /// valid: 401, as for a refresh with it.
    static func logout(_ body: TokenRefresh, caller user: User, context: AppContext) throws -> Response {
        let token = body.refreshToken
        try context.database.withConnection { connection in
            guard let (userID, claims) = context.tokens.verify(token, type: "refresh", now: context.now()),
                userID == user.id
            else {
                throw HTTPError(.unauthorized, .invalidRefreshToken)
            }
            let jti = recordedID(token, claims: claims)
            try connection.transaction { connection in
                try Authenticator.holdAccount(user, connection: connection)
                let tokens = RefreshTokenRepository(connection: connection)
                if claims.jwtID == nil {
                    try tokens.adoptSeedToken(
                        jti: jti, familyID: seedFamilyID(jti), userID: userID,
                        expiresAt: claims.expiration ?? context.now())
                }
                guard let familyID = try tokens.familyID(of: jti),
                    let family = try tokens.lockFamily(familyID), family.userID == userID, !family.revoked
                else { throw HTTPError(.unauthorized, .invalidRefreshToken) }
                try tokens.revokeFamily(familyID)
            }
        }
        return .empty(.noContent)
    }

    enum TokenFamily {
        /// A login: a new family.
        case new
        /// A refresh: the next token of this family (whose row the caller holds locked).
        case existing(String)
    }

    /// A new access token and a refresh token recorded in its family.
    static func tokenPair(for user: User, family: TokenFamily, context: AppContext, connection: PGConnection) throws -> Response {
        let now = context.now()
        let jti = try SecureRandom.urlSafeToken(byteCount: 18)
        let refresh = context.tokens.refreshToken(for: user.id, jti: jti, now: now)
        let tokens = RefreshTokenRepository(connection: connection)
        switch family {
        case .new:
            try tokens.startFamily(
                try SecureRandom.hexString(byteCount: 16), userID: user.id, jti: jti,
                expiresAt: refresh.expiresAt)
        case .existing(let familyID):
            try tokens.record(jti: jti, familyID: familyID, userID: user.id, expiresAt: refresh.expiresAt)
        }
        let access = context.tokens.accessToken(userID: user.id, email: user.email, now: now)
        return Response.json { json in
            json.beginObject()
            json.key("access_token")
            json.value(access)
            json.key("refresh_token")
            json.value(refresh.token)
            json.key("token_type")
            json.value("bearer")
            json.endObject()
        }
    }

    /// The id a refresh token is recorded under: its `jti`, or for a seed token (which has
    /// none) `seed:` and the hex SHA-256 of the token.
    static func recordedID(_ token: String, claims: JWTClaims) -> String {
        claims.jwtID ?? "seed:" + Hex.encode(SHA256Digest.hash(Array(token.utf8)))
    }

    /// The family of a seed token: derived from its recorded id, so that concurrent first uses
    /// of one token agree on it.
    static func seedFamilyID(_ recordedID: String) -> String {
        "seed:" + Hex.encode(SHA256Digest.hash(Array(recordedID.utf8)).prefix(16))
    }

    /// Emails are stored with their domain lowercased (as `EmailStr` normalises them).
    static func normalizedEmail(_ text: String) -> String {
        guard case .success(let normalized) = EmailAddress.validate(text) else { return text }
        return normalized
    }
}
