import CryptoSupport

/// Issues and checks the seed's HS256 tokens: the identity rules the REST API (Handlers) and
/// the chat daemon (ChatServer) share, about ids and claims only. Access tokens carry `sub`
/// (the user id as a string), `email`, `exp` and `type: "access"`; refresh tokens `sub`, `exp`,
/// `type: "refresh"` and, ours, a `jti` so that each can be used once.
///
/// ```swift
/// let tokens = TokenService(secret: "…", accessTokenMinutes: 30, refreshTokenDays: 7)
/// let access = tokens.accessToken(userID: 7, email: "a@example.com", now: UnixTime.now())
/// tokens.verify(access, type: "access", now: UnixTime.now())?.userID   // 7
/// ```
public struct TokenService: Sendable {
    let signer: JWTSigner
    let accessLifetime: Int64
    let refreshLifetime: Int64

    /// - Parameters:
    ///   - secret: `SECRET_KEY` (its UTF-8 bytes are the HMAC key, as python-jose's).
    ///   - accessTokenMinutes: `ACCESS_TOKEN_EXPIRE_MINUTES`.
    ///   - refreshTokenDays: `REFRESH_TOKEN_EXPIRE_DAYS`.
    public init(secret: String, accessTokenMinutes: Int, refreshTokenDays: Int) {
        signer = JWTSigner(secret: secret)
        accessLifetime = Int64(accessTokenMinutes) * 60
        refreshLifetime = Int64(refreshTokenDays) * 86_400
    }

    public func accessToken(userID: Int, email: String, now: Int64) -> String {
        signer.sign(
            JWTClaims([
                ("sub", .string(String(userID))), ("email", .string(email)),
                ("exp", .int(now + accessLifetime)), ("type", .string("access")),
            ]))
    }

    /// A refresh token and the expiry recorded for it.
    public func refreshToken(for userID: Int, jti: String, now: Int64) -> (token: String, expiresAt: Int64) {
        let expiresAt = now + refreshLifetime
        let token = signer.sign(
            JWTClaims([
                ("sub", .string(String(userID))), ("exp", .int(expiresAt)),
                ("type", .string("refresh")), ("jti", .string(jti)),
            ]))
        return (token, expiresAt)
    }

    /// The latest `exp` accepted: 9999-12-31T23:59:59Z, the last second Python's `datetime` (and
    /// so the seed) can name. A signed token with an `exp` beyond it (1e19, 1e300) was made by
    /// nobody with sane settings; refusing it keeps absurd dates away from the database's
    /// timestamps, where they would not fit.
    static let latestExpiration: Int64 = 253_402_300_799

    /// The user id of a valid token of the given type, or nil (bad signature, expired, wrong
    /// type, `alg` other than HS256, a `sub` that is not a user id, an `exp` past the year 9999).
    public func verify(_ token: String, type: String, now: Int64) -> (userID: Int, claims: JWTClaims)? {
        guard let claims = try? signer.verify(token, now: now, expectedType: type),
            let expiration = claims.expiration, expiration <= Self.latestExpiration,
            let subject = claims.subject, let userID = Self.userID(subject)
        else { return nil }
        return (userID, claims)
    }

    /// A `sub` as this API writes it: the decimal id of a user, 1 to 2³¹−1, without sign or
    /// leading zeros (so one user has one subject, and no digit string is too long for an Int).
    static func userID(_ subject: String) -> Int? {
        let digits = subject.utf8
        guard (1...10).contains(digits.count), digits.first != UInt8(ascii: "0"),
            digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let id = Int(subject), id <= Int(Int32.max)
        else { return nil }
        return id
    }
}
