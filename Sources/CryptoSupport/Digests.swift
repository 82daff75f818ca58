internal import COpenSSL

/// HMAC message authentication codes.
public enum HMAC {
    /// HMAC-SHA256 of `message` under `key` (32 bytes), one-shot through OpenSSL's `HMAC()`.
    public static func sha256(key: some Collection<UInt8>, message: some Collection<UInt8>) -> [UInt8] {
        var mac = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        let ok = withContiguousBytes(key) { keyPointer, keyCount in
            withContiguousBytes(message) { messagePointer, messageCount in
                mac.withUnsafeMutableBufferPointer { out in
                    COpenSSL.HMAC(EVP_sha256(), keyPointer, Int32(keyCount), messagePointer, messageCount,
                                  out.baseAddress, &length) != nil
                }
            }
        }
        // Fails only when OpenSSL itself is broken (allocation failure, no SHA-256 provider).
        precondition(ok && length == 32, CryptoError.openSSL("HMAC-SHA256").message)
        return mac
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
                EVP_Digest(pointer, count, out.baseAddress, &length, EVP_sha256(), nil) == 1
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
