import CryptoSupport
@testable import Identity
import Testing

/// The token rules both the REST API and the chat apply, without a database.
struct TokenServiceTests {
    let tokens = TokenService(secret: "test-secret", accessTokenMinutes: 30, refreshTokenDays: 7)
    let now: Int64 = 1_764_390_000

    @Test func issuedTokensVerifyAsTheirTypeOnly() throws {
        let access = tokens.accessToken(userID: 7, email: "a@example.com", now: now)
        #expect(tokens.verify(access, type: "access", now: now)?.userID == 7)
        #expect(tokens.verify(access, type: "refresh", now: now) == nil)
        let refresh = tokens.refreshToken(for: 7, jti: "j1", now: now)
        #expect(refresh.expiresAt == now + 7 * 86_400)
        let verified = try #require(tokens.verify(refresh.token, type: "refresh", now: now))
        #expect(verified.userID == 7 && verified.claims.jwtID == "j1")
        #expect(tokens.verify(access, type: "access", now: now + 30 * 60) == nil)
    }

    @Test func subjectsAreUserIdsWrittenOneWay() {
        #expect(TokenService.userID("1") == 1)
        #expect(TokenService.userID("2147483647") == 2_147_483_647)
        for subject in ["", "0", "007", "-1", "+1", " 1", "2147483648", "12345678901234567890", "1e3", "１"] {
            #expect(TokenService.userID(subject) == nil, "\(subject)")
        }
    }

    @Test func expirationsPastTheYear9999AreRefused() {
        let signer = JWTSigner(secret: "test-secret")
        func token(_ exp: JWTClaim) -> String {
            signer.sign(JWTClaims([("sub", "7"), ("exp", exp), ("type", "access")]))
        }
        #expect(tokens.verify(token(.int(TokenService.latestExpiration)), type: "access", now: now) != nil)
        #expect(tokens.verify(token(.int(TokenService.latestExpiration + 1)), type: "access", now: now) == nil)
        #expect(tokens.verify(token(.double(1e19)), type: "access", now: now) == nil)
        #expect(tokens.verify(token(.double(1e300)), type: "access", now: now) == nil)
    }
}
