import AppCore
import CryptoSupport

/// Issues and checks the seed's HS256 tokens. Access tokens carry `sub` (the user id as a
/// string), `email`, `exp` and `type: "access"`; refresh tokens `sub`, `exp`, `type: "refresh"`
/// and, ours, a `jti` so that each can be used once.
public struct TokenService: Sendable {
    let signer: JWTSigner
    let accessLifetime: Int64
    let refreshLifetime: Int64

    public init(configuration: AppConfiguration) {
        signer = JWTSigner(secret: configuration.secretKey)
        accessLifetime = Int64(configuration.accessTokenExpireMinutes) * 60
        refreshLifetime = Int64(configuration.refreshTokenExpireDays) * 86_400
    }

    public func accessToken(for user: User, now: Int64) -> String {
        signer.sign(JWTClaims([
            ("sub", .string(String(user.id))), ("email", .string(user.email)),
            ("exp", .int(now + accessLifetime)), ("type", .string("access")),
        ]))
    }

    /// A refresh token and the expiry recorded for it.
    public func refreshToken(for userID: Int, jti: String, now: Int64) -> (token: String, expiresAt: Int64) {
        let expiresAt = now + refreshLifetime
        let token = signer.sign(JWTClaims([
            ("sub", .string(String(userID))), ("exp", .int(expiresAt)),
            ("type", .string("refresh")), ("jti", .string(jti)),
        ]))
        return (token, expiresAt)
    }

    /// The user id of a valid token of the given type, or nil (bad signature, expired, wrong
    /// type, `alg` other than HS256, a `sub` that is not a user id).
    public func verify(_ token: String, type: String, now: Int64) -> (userID: Int, claims: JWTClaims)? {
        guard let claims = try? signer.verify(token, now: now, expectedType: type),
              let subject = claims.subject, let userID = Int(subject), userID > 0, userID <= Int(Int32.max)
        else { return nil }
        return (userID, claims)
    }
}
