import AppCore
import CryptoSupport
import Postgres

/// `Idempotency-Key` on POSTs that create something: the first successful response of a
/// (caller, key) pair is stored in the same transaction as the work, and a repeat gets it
/// again without doing the work twice. A concurrent duplicate waits on the key's unique index
/// until the first commits, then replays its answer. The same key with another request → 422.
/// Failed requests store nothing (their transaction rolls back), so they can be retried.
///
/// The request is recognised by a fingerprint: an HMAC-SHA256 of method, path and body under a
/// key derived from `SECRET_KEY`. A plain digest of a registration body would be a fast hash of
/// the password kept in the database; the keyed one is worthless without the server's secret.
public enum Idempotency {
    static let header = "idempotency-key"

    /// The fingerprint key: HMAC(SECRET_KEY, purpose), so it differs from the JWT signing key.
    static func fingerprintKey(secret: String) -> HMACKey {
        HMACKey(HMAC.sha256(key: Array(secret.utf8), message: Array("idempotency-fingerprint".utf8)))
    }

    /// Runs `work` inside one transaction, honouring the request's `Idempotency-Key`.
    /// - Parameters:
    ///   - scope: the caller: `user:<id>`, or `anon:<client address>` before login.
    ///   - fingerprintKey: `AppContext.idempotencyFingerprints`.
    static func run(
        _ request: Request, scope: String, fingerprintKey: HMACKey, connection: PGConnection,
        work: (PGConnection) throws -> Response
    ) throws -> Response {
        guard let key = request.headers[header] else {
            return try connection.transaction(work)
        }
        guard (1...255).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E }) else {
            throw ValidationError([
                ValidationIssue(
                    location: ["header", "Idempotency-Key"], type: "value_error",
                    message: Message("Value error, 1 to 255 visible ASCII characters"))
            ])
        }
        let fingerprint = fingerprintKey.authenticate(Array((request.method + " " + request.path + "\n").utf8) + request.body)
        return try connection.transaction { connection in
            let claimed = try connection.query(
                """
                INSERT INTO idempotency_keys (scope, key, request_hash) VALUES (\(scope), \(key), decode(\(Hex.encode(fingerprint)), 'hex'))
                ON CONFLICT DO NOTHING RETURNING 1
                """)
            if claimed.isEmpty {
                return try replay(scope: scope, key: key, fingerprint: fingerprint, connection: connection)
            }
            let response = try work(connection)
            try connection.query(
                """
                UPDATE idempotency_keys SET status = \(response.status.code), response_body = decode(\(Hex.encode(response.body)), 'hex')
                WHERE scope = \(scope) AND key = \(key)
                """)
            return response
        }
    }

    static func replay(scope: String, key: String, fingerprint: [UInt8], connection: PGConnection) throws -> Response {
        let row = try connection.query(
            """
            SELECT encode(request_hash, 'hex'), status, encode(response_body, 'hex')
            FROM idempotency_keys WHERE scope = \(scope) AND key = \(key)
            """)[0]
        // No fingerprint: recorded before fingerprints were keyed (migration 0006); replayed as is.
        if let stored = try row.decode(0, as: String?.self), stored != Hex.encode(fingerprint) {
            throw HTTPError(.unprocessableContent, .idempotencyKeyReused)
        }
        let status: Int = try row.decode(1)
        let body = Hex.decode(try row.decode(2, as: String.self)) ?? []
        var response = Response.json(HTTPStatus(code: status, reason: status == 201 ? "Created" : "OK"), bytes: body)
        response.headers.add("Idempotent-Replayed", "true")
        return response
    }
}
