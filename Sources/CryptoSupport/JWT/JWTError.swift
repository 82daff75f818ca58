/// Why a token was refused. The description is short and safe to log: it never contains the
/// token, its claims' values or the key.
public struct JWTError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Kind: Sendable, Equatable {
        case malformed
        case unsupportedAlgorithm
        case badSignature
        case expired
        case notYetValid
        case missingClaim(String)
        case invalidClaim(String)
        case wrongType(String)
    }

    private let kind: Kind

    private init(_ kind: Kind) { self.kind = kind }

    /// Not three base64url parts, not JSON objects, too long, a `crit` header, or invalid JSON.
    public static let malformed = JWTError(.malformed)
    /// The header's `alg` is missing or not exactly `HS256`.
    public static let unsupportedAlgorithm = JWTError(.unsupportedAlgorithm)
    /// The signature does not match (other key, or altered header or payload).
    public static let badSignature = JWTError(.badSignature)
    /// `exp` has passed.
    public static let expired = JWTError(.expired)
    /// `nbf` is in the future.
    public static let notYetValid = JWTError(.notYetValid)
    /// A required claim (`exp`, or `type` when a type is expected) is absent.
    public static func missingClaim(_ name: String) -> JWTError { JWTError(.missingClaim(name)) }
    /// A registered claim has the wrong JSON kind (`exp`/`nbf`/`iat` not a number,
    /// `sub`/`jti` not a string).
    public static func invalidClaim(_ name: String) -> JWTError { JWTError(.invalidClaim(name)) }
    /// The `type` claim is not the expected one (for instance a refresh token used as an access token).
    public static func wrongType(expected: String) -> JWTError { JWTError(.wrongType(expected)) }

    public var description: String {
        switch kind {
        case .malformed: "malformed token"
        case .unsupportedAlgorithm: "unsupported token algorithm"
        case .badSignature: "bad token signature"
        case .expired: "token expired"
        case .notYetValid: "token not yet valid"
        case .missingClaim(let name): "token lacks the \(name) claim"
        case .invalidClaim(let name): "token has an invalid \(name) claim"
        case .wrongType(let expected): "token is not of type \(expected)"
        }
    }
}
