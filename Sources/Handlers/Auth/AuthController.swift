import AppCore
import CryptoSupport
import JobQueue
import Postgres

/// `/api/v1/auth`: registration, the OAuth2 password login, refresh-token rotation, logout.
public enum AuthController {
    public static func routes() -> [Route<AppContext>] {
        [
            Route("POST", "/api/v1/auth/register", Operation(
                summary: "ユーザー登録", tags: ["認証"], parameters: [HeaderParameters.idempotencyKey],
                body: AuthSchemas.register, successStatus: .created, name: "register",
                description: "ユーザーを登録し、ウェルカムメールを同じトランザクションでキューに入れる。",
                response: .object(ResponseSchemas.registered),
                responses: [409: .error("メールアドレスまたはユーザー名が登録済み", detail: Message.emailTaken.japanese)],
                bodyExample: ["username": "john_doe", "email": "john@example.com", "password": "secret-password",
                              "password_confirm": "secret-password", "full_name": "John Doe", "age": 30]
            )) { input, context in
                try register(input, context: context)
            },
            Route("POST", "/api/v1/auth/token", Operation(
                summary: "ログイン（トークン発行）", tags: ["認証"], body: AuthSchemas.tokenForm, bodyFormat: .form,
                name: "login", description: "OAuth2 パスワードフロー。`username` にはメールアドレスを入れる。",
                response: .object(ResponseSchemas.token),
                responses: [401: .error("メールアドレスまたはパスワードが正しくない", detail: Message.loginFailed.japanese,
                                        headers: [("WWW-Authenticate", "Bearer")])],
                bodyExample: ["username": "john@example.com", "password": "secret-password"]
            )) { input, context in
                try login(input, context: context)
            },
            Route("POST", "/api/v1/auth/refresh", Operation(
                summary: "トークン更新", tags: ["認証"], body: AuthSchemas.refresh, name: "refresh_token",
                description: "リフレッシュトークンは一度だけ使える。使用済みのものを再び使うと、その系列がすべて失効する。",
                response: .object(ResponseSchemas.token),
                responses: [401: .error("無効なリフレッシュトークン、またはユーザーが見つからない",
                                        detail: Message.invalidRefreshToken.japanese)]
            )) { input, context in
                try refresh(input, context: context)
            },
            Route("POST", "/api/v1/auth/logout", Operation(
                summary: "ログアウト（リフレッシュトークン失効）", tags: ["認証"], body: AuthSchemas.refresh,
                successStatus: .noContent, name: "logout", requiresAuth: true,
                responses: [401: .error("認証されていない、または無効なリフレッシュトークン", detail: Message.notAuthenticated.japanese,
                                        headers: [("WWW-Authenticate", "Bearer")])]
            )) { input, context in
                try logout(input, context: context)
            },
        ]
    }

    static func register(_ input: RouteInput, context: AppContext) throws -> Response {
        let body = input.body!
        // Hash before the transaction: bcrypt takes a quarter of a second and holds no lock.
        let hash = try context.passwords.hash(body["password"]!.stringValue!)
        return try context.database.withConnection { connection in
            try Idempotency.run(input.request, scope: "anon:" + input.request.remoteAddress, connection: connection) { connection in
                let userID = try UserRepository(connection: connection).create(.init(
                    username: body["username"]!.stringValue!, email: body["email"]!.stringValue!, passwordHash: hash,
                    fullName: body["full_name"]?.stringValue, age: body["age"]?.intValue.map { Int($0) }))
                // The welcome mail commits with the user, or neither does.
                try JobQueue.enqueue(WelcomeMail.job(to: body["email"]!.stringValue!, username: body["username"]!.stringValue!,
                                                     language: input.request.language,
                                                     maxAttempts: context.configuration.jobMaxAttempts), on: connection)
                return Response.json(.created) { json in
                    json.beginObject()
                    json.key("message")
                    json.value(Message.registered.text(in: input.request.language))
                    json.key("user_id")
                    json.value(userID)
                    json.endObject()
                }
            }
        }
    }

    static func login(_ input: RouteInput, context: AppContext) throws -> Response {
        let email = normalizedEmail(input.body!["username"]!.stringValue!)
        let password = input.body!["password"]!.stringValue!
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
                try tokenPair(for: user, familyID: nil, context: context, connection: connection)
            }
        }
    }

    /// Exchanges a refresh token for a new pair. Each refresh token works once: the used one is
    /// marked, and presenting a used one again revokes its whole family (it was stolen, or
    /// replayed). Tokens made by the seed app have no `jti`; they are tracked by their digest.
    static func refresh(_ input: RouteInput, context: AppContext) throws -> Response {
        let token = input.body!["refresh_token"]!.stringValue!
        guard let (userID, claims) = context.tokens.verify(token, type: "refresh", now: context.now()) else {
            throw HTTPError(.unauthorized, .invalidRefreshToken)
        }
        let jti = claims.jwtID ?? "seed:" + Hex.encode(SHA256Digest.hash(Array(token.utf8)))
        enum Outcome { case issued(Response), reused, invalid, noUser }
        let outcome: Outcome = try context.database.withConnection { connection in
            try connection.transaction { connection in
                let tokens = RefreshTokenRepository(connection: connection)
                let familyID: String
                if let stored = try tokens.lock(jti: jti) {
                    guard stored.userID == userID, !stored.revoked else { return .invalid }
                    if stored.used {
                        try tokens.revokeFamily(stored.familyID)
                        return .reused
                    }
                    try tokens.markUsed(jti: jti)
                    familyID = stored.familyID
                } else if claims.jwtID == nil {
                    // A seed token seen for the first time: remember it as spent.
                    familyID = try SecureRandom.hexString(byteCount: 16)
                    try tokens.record(jti: jti, familyID: familyID, userID: userID,
                                      expiresAt: claims.expiration ?? context.now(), used: true)
                } else {
                    return .invalid  // a jti we never issued
                }
                guard let user = try UserRepository(connection: connection).find(id: userID), user.isActive else {
                    return .noUser
                }
                return .issued(try tokenPair(for: user, familyID: familyID, context: context, connection: connection))
            }
        }
        switch outcome {
        case .issued(let response):
            return response
        case .reused:
            context.logger.warning("Refresh token reused; family revoked", metadata: ["request.id": "\(input.request.id)"])
            throw HTTPError(.unauthorized, .invalidRefreshToken)
        case .invalid:
            throw HTTPError(.unauthorized, .invalidRefreshToken)
        case .noUser:
            throw HTTPError(.unauthorized, .userNotFound)
        }
    }

    /// Revokes the family of the given refresh token (the caller's own): 204.
    static func logout(_ input: RouteInput, context: AppContext) throws -> Response {
        let token = input.body!["refresh_token"]!.stringValue!
        try context.database.withConnection { connection in
            let user = try Authenticator.activeUser(input.request, context: context, connection: connection)
            guard let (userID, claims) = context.tokens.verify(token, type: "refresh", now: context.now()),
                  userID == user.id else {
                throw HTTPError(.unauthorized, .invalidRefreshToken)
            }
            let jti = claims.jwtID ?? "seed:" + Hex.encode(SHA256Digest.hash(Array(token.utf8)))
            try connection.transaction { connection in
                let tokens = RefreshTokenRepository(connection: connection)
                if let stored = try tokens.lock(jti: jti) {
                    try tokens.revokeFamily(stored.familyID)
                } else {
                    // A seed token never refreshed: record it as spent and revoked.
                    let familyID = try SecureRandom.hexString(byteCount: 16)
                    try tokens.record(jti: jti, familyID: familyID, userID: userID,
                                      expiresAt: claims.expiration ?? context.now(), used: true)
                    try tokens.revokeFamily(familyID)
                }
            }
        }
        return .empty(.noContent)
    }

    /// A new access token and a refresh token recorded in `familyID` (a new family at login).
    static func tokenPair(for user: User, familyID: String?, context: AppContext, connection: PGConnection) throws -> Response {
        let now = context.now()
        let jti = try SecureRandom.urlSafeToken(byteCount: 18)
        let family = try familyID ?? SecureRandom.hexString(byteCount: 16)
        let refresh = context.tokens.refreshToken(for: user.id, jti: jti, now: now)
        try RefreshTokenRepository(connection: connection)
            .record(jti: jti, familyID: family, userID: user.id, expiresAt: refresh.expiresAt)
        let access = context.tokens.accessToken(for: user, now: now)
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

    /// Emails are stored with their domain lowercased (as `EmailStr` normalises them).
    static func normalizedEmail(_ text: String) -> String {
        guard case .success(let normalized) = EmailAddress.validate(text) else { return text }
        return normalized
    }
}
