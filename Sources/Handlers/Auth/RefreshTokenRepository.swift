import Postgres

/// Rotation state of refresh tokens: one row per token issued, grouped in families.
struct RefreshTokenRepository {
    let connection: PGConnection

    struct Stored {
        var familyID: String
        var userID: Int
        var used: Bool
        var revoked: Bool
    }

    func record(jti: String, familyID: String, userID: Int, expiresAt: Int64, used: Bool = false) throws {
        try connection.query("""
            INSERT INTO refresh_tokens (jti, family_id, user_id, expires_at, used_at)
            VALUES (\(jti), \(familyID), \(userID), to_timestamp(\(expiresAt)),
                    CASE WHEN \(used) THEN now() ELSE NULL END)
            """)
    }

    /// The token's row, locked until the transaction ends so that two refreshes with the same
    /// token cannot both succeed.
    func lock(jti: String) throws -> Stored? {
        let rows = try connection.query("""
            SELECT family_id, user_id, used_at IS NOT NULL, revoked_at IS NOT NULL
            FROM refresh_tokens WHERE jti = \(jti) FOR UPDATE
            """)
        guard let row = rows.first else { return nil }
        return Stored(familyID: try row.decode(0), userID: try row.decode(1), used: try row.decode(2), revoked: try row.decode(3))
    }

    func markUsed(jti: String) throws {
        try connection.query("UPDATE refresh_tokens SET used_at = now() WHERE jti = \(jti)")
    }

    /// Revokes every token of the family (reuse detected, or logout).
    func revokeFamily(_ familyID: String) throws {
        try connection.query("""
            UPDATE refresh_tokens SET revoked_at = now() WHERE family_id = \(familyID) AND revoked_at IS NULL
            """)
    }
}
