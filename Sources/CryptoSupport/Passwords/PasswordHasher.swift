internal import CCrypt
internal import COpenSSL

/// bcrypt password hashes through libxcrypt, compatible with passlib's
/// `CryptContext(schemes=["bcrypt"])`: hashes are `$2b$<cost>$…` (60 characters), and passlib's
/// `$2a$`/`$2b$`/`$2y$` hashes verify here and ours there.
///
/// Passwords are their UTF-8 bytes. bcrypt only uses the first 72 of them; like passlib (whose
/// bcrypt backend truncates silently), longer passwords are cut to 72 bytes, which also keeps
/// them below libxcrypt's 512-byte passphrase limit. A NUL byte cannot be hashed (passlib refuses
/// it too): `hash` throws and `verify` returns `false`.
public struct PasswordHasher: Sendable {
    /// The costs bcrypt accepts.
    public static let costRange = 4...31
    /// bcrypt ignores password bytes after the 72nd.
    static let maxPasswordBytes = 72

    /// The cost (log2 of the rounds) of new hashes.
    public let cost: Int
    /// A valid hash of this cost, for `verifyDummy`.
    private let dummyHash: String

    /// A hasher producing hashes of `cost` (4...31; passlib's default is 12). Traps outside that range.
    public init(cost: Int = 12) {
        precondition(Self.costRange.contains(cost), "bcrypt cost must be in 4...31, not \(cost)")
        self.cost = cost
        let digits = cost < 10 ? "0\(cost)" : "\(cost)"
        // Salt and checksum of a throwaway hash; only its cost matters.
        dummyHash = "$2b$" + digits + "$rYV0kOcWbF/xZNdH/UmPMuw1d4oEjNigMZoKXZhqeUjiQTE4yPsEG"
    }

    /// A new `$2b$` hash of `password` with a fresh 16-byte salt from `SecureRandom`.
    /// Throws for a password containing a NUL byte, or when the random generator or libxcrypt fails.
    public func hash(_ password: String) throws(CryptoError) -> String {
        guard let phrase = Self.phrase(password) else {
            throw CryptoError("PasswordHasher.hash: the password contains a NUL byte")
        }
        let random = try SecureRandom.bytes(16)
        var setting = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        let made = random.withUnsafeBufferPointer { randomBytes in
            randomBytes.withMemoryRebound(to: CChar.self) { randomChars in
                setting.withUnsafeMutableBufferPointer { output in
                    crypt_gensalt_rn(
                        "$2b$", UInt(cost), randomChars.baseAddress, Int32(randomChars.count),
                        output.baseAddress, Int32(output.count)) != nil
                }
            }
        }
        guard made else { throw CryptoError("PasswordHasher.hash: crypt_gensalt_rn failed") }
        let settingText = setting.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        guard let result = Self.bcrypt(phrase, setting: settingText),
            let parsed = BcryptHash(result), parsed.variant == UInt8(ascii: "b"), parsed.cost == cost
        else {
            throw CryptoError("PasswordHasher.hash: crypt_rn failed")
        }
        return result
    }

    /// Whether `password` matches `hash` (`$2a$`, `$2b$` or `$2y$`). `false` for a malformed or
    /// unsupported hash and for a password containing a NUL byte. The comparison of the computed
    /// hash with `hash` takes constant time.
    public func verify(_ password: String, against hash: String) -> Bool {
        guard BcryptHash(hash) != nil,
            let phrase = Self.phrase(password),
            let computed = Self.bcrypt(phrase, setting: hash)
        else { return false }
        return ConstantTime.equals(computed.utf8, hash.utf8)
    }

    /// Does the work of `verify` against a fixed hash of this hasher's cost and discards the
    /// result: call it when there is no stored hash (unknown account), so the response time does
    /// not tell whether the account exists.
    public func verifyDummy(_ password: String) {
        _ = verify(password, against: dummyHash)
    }

    /// Whether `hash` should be replaced by a new one at the next successful login: it is not a
    /// valid bcrypt hash, not `$2b$`, or its cost differs from this hasher's.
    public func needsRehash(_ hash: String) -> Bool {
        guard let parsed = BcryptHash(hash) else { return true }
        return parsed.variant != UInt8(ascii: "b") || parsed.cost != cost
    }

    /// The bytes bcrypt uses: the first 72 UTF-8 bytes; `nil` if the password contains a NUL
    /// anywhere (passlib checks the whole password too).
    private static func phrase(_ password: String) -> [UInt8]? {
        guard !password.utf8.contains(0) else { return nil }
        return Array(password.utf8.prefix(maxPasswordBytes))
    }

    /// `crypt_rn(phrase, setting)` with a zeroed, heap-allocated `struct crypt_data` (about
    /// 32 KiB), which is wiped afterwards. `nil` when libxcrypt rejects the setting.
    private static func bcrypt(_ phrase: [UInt8], setting: String) -> String? {
        let size = MemoryLayout<crypt_data>.size
        let data = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: MemoryLayout<crypt_data>.alignment)
        data.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        var terminated = phrase
        terminated.append(0)
        defer {
            OPENSSL_cleanse(data, size)
            data.deallocate()
            terminated.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) }
        }
        return terminated.withUnsafeBufferPointer { phraseBytes in
            phraseBytes.withMemoryRebound(to: CChar.self) { phraseChars in
                setting.withCString { settingChars -> String? in
                    guard let output = crypt_rn(phraseChars.baseAddress, settingChars, data, Int32(size)) else {
                        return nil
                    }
                    return String(cString: output)
                }
            }
        }
    }
}
