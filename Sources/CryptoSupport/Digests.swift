internal import COpenSSL

/// The algorithms this module uses, fetched from OpenSSL's default provider once per process.
/// The one-shot calls with `EVP_sha256()` or `HMAC()` look the algorithm up again on every
/// call (OpenSSL 3's implicit fetch), which cost more than hashing a token or a small body.
/// Fetched algorithms are immutable and may be used from any thread.
enum Algorithms {
    nonisolated(unsafe) static let sha256: OpaquePointer = {
        guard let digest = EVP_MD_fetch(nil, "SHA256", nil) else { preconditionFailure(CryptoError.openSSL("SHA-256").message) }
        return digest
    }()

    nonisolated(unsafe) static let hmac: OpaquePointer = {
        guard let mac = EVP_MAC_fetch(nil, "HMAC", nil) else { preconditionFailure(CryptoError.openSSL("HMAC").message) }
        return mac
    }()
}

/// An HMAC-SHA256 key, set up once: each MAC starts from a copy of a keyed OpenSSL context.
///
/// ```swift
/// let key = HMACKey(Array("secret".utf8))
/// let mac = key.authenticate(Array("message".utf8))   // 32 bytes
/// ```
///
/// The keyed context is only read (duplicated) after `init`, so one key may be shared between
/// threads.
public final class HMACKey: @unchecked Sendable {
    private let keyed: OpaquePointer  // EVP_MAC_CTX

    public init(_ key: some Collection<UInt8>) {
        guard let context = EVP_MAC_CTX_new(Algorithms.hmac) else { preconditionFailure(CryptoError.openSSL("HMAC").message) }
        let ok = withContiguousBytes(key) { keyPointer, keyCount in
            "digest".withCString { name in
                "SHA256".withCString { value in
                    var parameters = [
                        OSSL_PARAM_construct_utf8_string(name, UnsafeMutablePointer(mutating: value), 0),
                        OSSL_PARAM_construct_end(),
                    ]
                    return EVP_MAC_init(context, keyPointer, keyCount, &parameters) == 1
                }
            }
        }
        precondition(ok, CryptoError.openSSL("HMAC-SHA256 key").message)
        keyed = context
    }

    deinit { EVP_MAC_CTX_free(keyed) }

    /// HMAC-SHA256 of `message` (32 bytes).
    public func authenticate(_ message: some Collection<UInt8>) -> [UInt8] {
        guard let context = EVP_MAC_CTX_dup(keyed) else { preconditionFailure(CryptoError.openSSL("HMAC-SHA256").message) }
        defer { EVP_MAC_CTX_free(context) }
        var mac = [UInt8](repeating: 0, count: 32)
        var length = 0
        let ok = withContiguousBytes(message) { pointer, count in
            mac.withUnsafeMutableBufferPointer { out in
                EVP_MAC_update(context, pointer, count) == 1 && EVP_MAC_final(context, out.baseAddress, &length, 32) == 1
            }
        }
        // Fails only when OpenSSL itself is broken (allocation failure).
        precondition(ok && length == 32, CryptoError.openSSL("HMAC-SHA256").message)
        return mac
    }
}

/// HMAC message authentication codes.
public enum HMAC {
    /// HMAC-SHA256 of `message` under `key` (32 bytes). For many messages under one key,
    /// `HMACKey` sets the key up once.
    public static func sha256(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        HMACKey(key).authenticate(message)
    }
}

/// SHA-256 digests.
public enum SHA256Digest {
    /// The SHA-256 digest of `data` (32 bytes), one-shot through `EVP_Digest`.
    public static func hash(_ data: some Collection<UInt8>) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = withContiguousBytes(data) { pointer, count in
            digest.withUnsafeMutableBufferPointer { out in
                EVP_Digest(pointer, count, out.baseAddress, &length, Algorithms.sha256, nil) == 1
            }
        }
        precondition(ok && length == 32, CryptoError.openSSL("SHA-256").message)
        return digest
    }
}

/// Comparisons whose running time does not depend on the bytes compared.
public enum ConstantTime {
    /// Whether `a` and `b` hold the same bytes, compared with `CRYPTO_memcmp`. Collections of
    /// different lengths are unequal; `a` is then still compared in full (against itself), so
    /// the time depends only on the lengths, never on where the contents differ.
    public static func equals(_ a: some Collection<UInt8>, _ b: some Collection<UInt8>) -> Bool {
        withContiguousBytes(a) { aPointer, aCount in
            withContiguousBytes(b) { bPointer, bCount in
                let sameLength = aCount == bCount
                let other = sameLength ? bPointer : aPointer
                let difference = CRYPTO_memcmp(aPointer, other, aCount)
                return sameLength && difference == 0
            }
        }
    }
}
