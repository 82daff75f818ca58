import Postgres

/// Rotation state of refresh tokens: one row per token issued (`refresh_tokens`), grouped in
/// families (`refresh_token_families`, one per login).
///
/// Lock order, the same in every transaction that takes more than one: the user's row
/// (`UserRepository.lockKey`), then the family's row, then token rows. A user's deletion locks
/// the user first and then cascades to families and tokens, so it never waits in a cycle with
/// a refresh.
struct RefreshTokenRepository {
    let connection: PGConnection

    struct Family {
        var userID: Int
        var revoked: Bool
    }

    /// Starts a family (a login) with its first token.
    func startFamily(_ familyID: String, userID: Int, jti: String, expiresAt: Int64) throws {
        try connection.query(
            """
            INSERT INTO refresh_token_families (family_id, user_id, expires_at)
            VALUES (\(familyID), \(userID), to_timestamp(\(expiresAt)))
            """)
        try record(jti: jti, familyID: familyID, userID: userID, expiresAt: expiresAt)
    }

    /// Adds the next token of a family (whose row the caller holds locked).
    func record(jti: String, familyID: String, userID: Int, expiresAt: Int64) throws {
        try connection.query(
            """
            INSERT INTO refresh_tokens (jti, family_id, user_id, expires_at)
            VALUES (\(jti), \(familyID), \(userID), to_timestamp(\(expiresAt)))
            """)
        try connection.query(
            """
            UPDATE refresh_token_families SET expires_at = greatest(expires_at, to_timestamp(\(expiresAt)))
            WHERE family_id = \(familyID)
            """)
    }

    /// Records a token the seed app issued (it has no `jti`; `jti` is its digest) as the only,
    /// unused token of a family of its own, unless it is recorded already. Concurrent callers
    /// with the same token wait on the unique index and then find it recorded.
    func adoptSeedToken(jti: String, familyID: String, userID: Int, expiresAt: Int64) throws {
        try connection.query(
            """
            INSERT INTO refresh_token_families (family_id, user_id, expires_at)
            VALUES (\(familyID), \(userID), to_timestamp(\(expiresAt))) ON CONFLICT DO NOTHING
            """)
        try connection.query(
            """
            INSERT INTO refresh_tokens (jti, family_id, user_id, expires_at)
            VALUES (\(jti), \(familyID), \(userID), to_timestamp(\(expiresAt))) ON CONFLICT DO NOTHING
            """)
    }

    /// The family a token belongs to, nil for a token never recorded.
    func familyID(of jti: String) throws -> String? {
        try connection.query("SELECT family_id FROM refresh_tokens WHERE jti = \(jti)").first?.decode(0)
    }

    /// The family, locked until the transaction ends: refreshes, logouts and revocations of one
    /// family run one after the other, each seeing what the one before it did.
    func lockFamily(_ familyID: String) throws -> Family? {
        guard
            let row = try connection.query(
                """
                SELECT user_id, revoked_at IS NOT NULL FROM refresh_token_families WHERE family_id = \(familyID) FOR UPDATE
                """
            ).first
        else { return nil }
        return Family(userID: try row.decode(0), revoked: try row.decode(1))
    }

    /// Marks a token used; false when it was used already (read under the family's lock).
    func markUsed(jti: String) throws -> Bool {
        try connection.query("UPDATE refresh_tokens SET used_at = now() WHERE jti = \(jti) AND used_at IS NULL")
            .affectedRows == 1
    }

    /// Revokes a family (reuse detected, or logout).
    func revokeFamily(_ familyID: String) throws {
        try connection.query(
            """
            UPDATE refresh_token_families SET revoked_at = now() WHERE family_id = \(familyID) AND revoked_at IS NULL
            """)
    }

    /// Revokes every family of a user (the account was deactivated).
    func revokeAll(userID: Int) throws {
        try connection.query(
            """
            UPDATE refresh_token_families SET revoked_at = now() WHERE user_id = \(userID) AND revoked_at IS NULL
            """)
    }
}
