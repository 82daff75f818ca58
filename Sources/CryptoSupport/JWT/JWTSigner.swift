/// HS256 JSON Web Tokens (RFC 7519), compatible with python-jose's
/// `jwt.encode(claims, secret, algorithm="HS256")` and `jwt.decode(token, secret, algorithms=["HS256"])`.
///
/// `sign` writes the same bytes as python-jose for the same claims in the same order. `verify`
/// is stricter than python-jose: only HS256, `exp` required, no duplicate JSON members, no
/// padding or whitespace in the token, at most `maxTokenLength` bytes.
public struct JWTSigner: Sendable {
    /// Longer tokens are refused before any decoding.
    public static let maxTokenLength = 8192

    /// python-jose's header, `json.dumps({"typ": "JWT", "alg": alg}, separators=(",", ":"), sort_keys=True)`.
    private static let encodedHeader = Base64URL.encode(#"{"alg":"HS256","typ":"JWT"}"#.utf8)

    private let key: HMACKey

    /// A signer whose HMAC key is the UTF-8 bytes of `secret` (as python-jose uses a `str` key).
    public init(secret: String) {
        key = HMACKey(Array(secret.utf8))
    }

    /// A token for `claims`: the payload is their compact JSON, in order, as python-jose writes it.
    public func sign(_ claims: JWTClaims) -> String {
        let signingInput = Self.encodedHeader + "." + Base64URL.encode(JWTJSON.encodeObject(claims.pairs))
        return signingInput + "." + Base64URL.encode(key.authenticate(signingInput.utf8))
    }

    /// The claims of `token` if it is a well-formed HS256 token signed with this key, not expired
    /// and already valid at `now` (Unix seconds), allowing `leeway` seconds of clock skew
    /// (negative counts as 0).
    ///
    /// - Expired when `now >= exp + leeway` (RFC 7519: not accepted "on or after" `exp`; python-jose
    ///   still accepts a token in its `exp` second). `exp` is required.
    /// - Not yet valid when `nbf > now + leeway` (as python-jose).
    /// - `exp`, `nbf`, `iat` must be numbers; `sub`, `jti` strings when present (as python-jose).
    /// - The header must have `"alg": "HS256"` exactly and no `crit`.
    public func verify(_ token: String, now: Int64, leeway: Int64 = 0) throws(JWTError) -> JWTClaims {
        let bytes = token.utf8
        guard bytes.count <= Self.maxTokenLength else { throw .malformed }
        var dots = [String.UTF8View.Index]()
        for i in bytes.indices {
            let c = bytes[i]
            if c == UInt8(ascii: ".") {
                guard dots.count < 2 else { throw .malformed }
                dots.append(i)
            } else if !Self.isBase64URL(c) {
                throw .malformed
            }
        }
        guard dots.count == 2 else { throw .malformed }
        let headerPart = bytes[..<dots[0]]
        let payloadPart = bytes[bytes.index(after: dots[0])..<dots[1]]
        let signaturePart = bytes[bytes.index(after: dots[1])...]

        guard let headerBytes = Base64URL.decode(String(decoding: headerPart, as: UTF8.self)),
            let payloadBytes = Base64URL.decode(String(decoding: payloadPart, as: UTF8.self)),
            let signature = Base64URL.decode(String(decoding: signaturePart, as: UTF8.self))
        else {
            throw .malformed
        }
        guard let header = JWTJSON.parseObject(headerBytes) else { throw .malformed }
        let headerClaims = JWTClaims(header)
        guard case .string(let algorithm)? = headerClaims["alg"], JWTClaims.sameName(algorithm, "HS256") else {
            throw .unsupportedAlgorithm
        }
        guard headerClaims["crit"] == nil else { throw .malformed }

        let expected = key.authenticate(bytes[..<dots[1]])
        guard ConstantTime.equals(expected, signature) else { throw .badSignature }

        // Only authenticated JSON is read from here on.
        guard let payload = JWTJSON.parseObject(payloadBytes) else { throw .malformed }
        let claims = JWTClaims(payload)
        try Self.checkTimes(claims, now: now, leeway: max(leeway, 0))
        return claims
    }

    /// `verify(token, now:, leeway:)`, and the `type` claim must be the string `expectedType`
    /// (`"access"` or `"refresh"` in this application).
    public func verify(
        _ token: String, now: Int64, leeway: Int64 = 0, expectedType: String
    ) throws(JWTError)
        -> JWTClaims
    {
        let claims = try verify(token, now: now, leeway: leeway)
        guard let type = claims["type"] else { throw .missingClaim("type") }
        guard case .string(let value) = type, JWTClaims.sameName(value, expectedType) else {
            throw .wrongType(expected: expectedType)
        }
        return claims
    }

    private static func checkTimes(_ claims: JWTClaims, now: Int64, leeway: Int64) throws(JWTError) {
        for name in ["sub", "jti"] {
            if let value = claims[name] {
                guard case .string = value else { throw .invalidClaim(name) }
            }
        }
        if let iat = claims["iat"], JWTClaims.numericDate(iat) == nil { throw .invalidClaim("iat") }
        if let nbfClaim = claims["nbf"] {
            guard let nbf = JWTClaims.numericDate(nbfClaim) else { throw .invalidClaim("nbf") }
            let (latest, overflow) = now.addingReportingOverflow(leeway)
            if !overflow && nbf > latest { throw .notYetValid }
        }
        guard let expClaim = claims["exp"] else { throw .missingClaim("exp") }
        guard let exp = JWTClaims.numericDate(expClaim) else { throw .invalidClaim("exp") }
        let (deadline, overflow) = exp.addingReportingOverflow(leeway)
        if !overflow && now >= deadline { throw .expired }
    }

    private static func isBase64URL(_ c: UInt8) -> Bool {
        switch c {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }
}
