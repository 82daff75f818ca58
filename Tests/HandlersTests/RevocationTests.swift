import AppCore
import CryptoSupport
import JSON
import Postgres
import Testing
import TestSupport

/// Identities that go stale: users deleted or deactivated while they hold tokens, tokens with
/// absurd but signed claims, families revoked by logout. Through the router, against PostgreSQL.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs PG_TEST_URL (scripts/test sets it)"))
struct RevocationTests {
    let client: TestClient
    let signer = JWTSigner(secret: "test-secret-key")

    init() throws {
        client = try TestClient()
    }

    func refresh(_ token: String) throws -> TestClient.Answer {
        try client.send("POST", "/api/v1/auth/refresh", json: ["refresh_token": .string(token)])
    }

    /// A refresh token as the seed app makes them: no `jti`.
    func seedRefreshToken(for userID: Int) -> String {
        signer.sign(JWTClaims([("sub", .string(String(userID))), ("exp", .int(UnixTime.now() + 3600)), ("type", "refresh")]))
    }

    @Test func absurdButSignedClaimsAre401NotAServerError() throws {
        let account = try client.account()
        let sub = JWTClaim.string(String(account.id))
        let claims: [String: [(String, JWTClaim)]] = [
            "exp 1e300": [("sub", sub), ("exp", .double(1e300))],
            "exp 1e19": [("sub", sub), ("exp", .double(1e19))],
            "exp Int64.max": [("sub", sub), ("exp", .int(.max))],
            "20-digit sub": [("sub", "12345678901234567890"), ("exp", .int(UnixTime.now() + 600))],
            "sub with leading zeros": [("sub", .string("000" + String(account.id))), ("exp", .int(UnixTime.now() + 600))],
            "negative sub": [("sub", "-1"), ("exp", .int(UnixTime.now() + 600))],
        ]
        for (name, base) in claims {
            let access = signer.sign(JWTClaims(base + [("type", "access")]))
            let profile = try client.send("GET", "/api/v1/users/profile", token: access)
            #expect(profile.status == 401, "\(name)")
            #expect(profile.detail == "認証情報が無効です", "\(name)")
            let refreshed = try refresh(signer.sign(JWTClaims(base + [("type", "refresh")])))
            #expect(refreshed.status == 401, "\(name)")
            #expect(refreshed.detail == "無効なリフレッシュトークン", "\(name)")
        }
    }

    @Test func refreshForAUserThatNoLongerExistsIs401() throws {
        let account = try client.account()
        let seedToken = seedRefreshToken(for: account.id)
        try client.sql("DELETE FROM users WHERE id = \(account.id)")
        for token in [account.refreshToken, seedToken] {
            let answer = try refresh(token)
            #expect(answer.status == 401)
            #expect(answer.detail == "ユーザーが見つかりません")
        }
    }

    @Test func aSeedTokenIsSpentOnceAndItsReuseRevokesWhatItMinted() throws {
        let account = try client.account()
        let seedToken = seedRefreshToken(for: account.id)
        let first = try refresh(seedToken)
        #expect(first.status == 200)
        let minted = try #require(first.object?["refresh_token"]?.stringValue)
        #expect(try refresh(seedToken).status == 401)
        #expect(try refresh(minted).status == 401)
    }

    @Test func aSecondLogoutOfTheSameFamilyIs401() throws {
        let account = try client.account()
        let body: JSONValue = ["refresh_token": .string(account.refreshToken)]
        #expect(try client.send("POST", "/api/v1/auth/logout", json: body, token: account.accessToken).status == 204)
        let again = try client.send("POST", "/api/v1/auth/logout", json: body, token: account.accessToken)
        #expect(again.status == 401)
        #expect(again.detail == "無効なリフレッシュトークン")
        // A seed token's logout is remembered as well.
        let seedToken = seedRefreshToken(for: account.id)
        let seedBody: JSONValue = ["refresh_token": .string(seedToken)]
        #expect(try client.send("POST", "/api/v1/auth/logout", json: seedBody, token: account.accessToken).status == 204)
        #expect(try refresh(seedToken).status == 401)
    }

    // MARK: - PATCH /api/v1/users/{user_id}

    @Test func adminsDeactivateAndReactivateAccounts() throws {
        let admin = try client.account(admin: true)
        let user = try client.account()
        let off = try client.send("PATCH", "/api/v1/users/\(user.id)", json: ["is_active": false], token: admin.accessToken)
        #expect(off.status == 200)
        #expect(off.object?["is_active"] == false)
        #expect(off.object?["id"] == .int(Int64(user.id)))
        // At once: the access token is refused, the refresh token is revoked.
        let profile = try client.send("GET", "/api/v1/users/profile", token: user.accessToken)
        #expect(profile.status == 403)
        #expect(profile.detail == "アカウントが無効です")
        #expect(try refresh(user.refreshToken).status == 401)

        let on = try client.send("PATCH", "/api/v1/users/\(user.id)", json: ["is_active": true], token: admin.accessToken)
        #expect(on.status == 200)
        #expect(on.object?["is_active"] == true)
        #expect(try client.send("GET", "/api/v1/users/profile", token: user.accessToken).status == 200)
        // Revoked families stay revoked: the user logs in again.
        #expect(try refresh(user.refreshToken).status == 401)
        #expect(try client.login(email: user.email, password: user.password).status == 200)
    }

    @Test func onlyAdminsChangeStandingAndBodiesAreChecked() throws {
        let admin = try client.account(admin: true)
        let user = try client.account()
        let path = "/api/v1/users/\(user.id)"
        let notAdmin = try client.send("PATCH", path, json: ["is_active": false], token: user.accessToken)
        #expect(notAdmin.status == 403)
        #expect(notAdmin.detail == "管理者権限が必要です")
        #expect(try client.send("PATCH", path, json: ["is_active": false]).status == 401)
        #expect(
            try client.send("PATCH", "/api/v1/users/2000000000", json: ["is_active": false], token: admin.accessToken).status
                == 404)
        for body: JSONValue in [[:], ["is_active": "maybe"], ["is_active": false, "is_admin": true]] {
            #expect(try client.send("PATCH", path, json: body, token: admin.accessToken).status == 422, "\(body)")
        }
        #expect(try client.send("GET", "/api/v1/users/profile", token: user.accessToken).status == 200)
    }

    // MARK: - GET /api/v1/users/{user_id}

    @Test func thePublicViewForAnyoneSignedIn() throws {
        let viewer = try client.account()
        let user = try client.account()
        let answer = try client.send("GET", "/api/v1/users/\(user.id)", token: viewer.accessToken)
        #expect(answer.status == 200)
        #expect(answer.object?.keys == ["id", "username", "full_name", "display_name"])
        #expect(answer.object?["display_name"] == .string(user.username))
        #expect(try client.send("GET", "/api/v1/users/\(user.id)").status == 401)
        let missing = try client.send("GET", "/api/v1/users/2000000000", token: viewer.accessToken)
        #expect(missing.status == 404)
        #expect(missing.detail == "ユーザーが見つかりません")
    }

    @Test func privateFieldsOnlyForTheUserAndAdmins() throws {
        let viewer = try client.account()
        let admin = try client.account(admin: true)
        let user = try client.account()
        let path = "/api/v1/users/\(user.id)?include_private=true"
        let refused = try client.send("GET", path, token: viewer.accessToken)
        #expect(refused.status == 403)
        #expect(refused.detail == "非公開情報は本人または管理者のみ閲覧できます")
        for token in [user.accessToken, admin.accessToken] {
            let full = try client.send("GET", path, token: token)
            #expect(full.status == 200)
            #expect(full.object?["email"] == .string(user.email))
            #expect(full.object?.keys.contains("hashed_password") == false)
        }
        #expect(try client.send("GET", "/api/v1/users/\(user.id)?include_private=false", token: viewer.accessToken).status == 200)
    }

    // MARK: - What is kept

    @Test func idempotencyFingerprintsAreKeyedNotPlainDigests() throws {
        let name = TestClient.uniqueName()
        let body: JSONValue = [
            "username": .string(name), "email": .string("\(name)@example.com"),
            "password": "SecurePass123!", "password_confirm": "SecurePass123!",
        ]
        let key = TestClient.uniqueName("key")
        #expect(try client.send("POST", "/api/v1/auth/register", json: body, headers: [("Idempotency-Key", key)]).status == 201)
        let stored = try client.sql("SELECT encode(request_hash, 'hex') FROM idempotency_keys WHERE key = \(key)")
        let fingerprint: String = try stored[0].decode(0)
        let plain = Hex.encode(SHA256Digest.hash(Array("POST /api/v1/auth/register\n".utf8) + body.serialized()))
        #expect(fingerprint.count == 64)
        #expect(fingerprint != plain)
    }
}
