internal import COpenSSL

/// Cryptographically secure random bytes from OpenSSL's CSPRNG (`RAND_bytes`).
public enum SecureRandom {
    /// `count` random bytes. Throws when `count` is negative or OpenSSL's generator fails.
    public static func bytes(_ count: Int) throws(CryptoError) -> [UInt8] {
        guard count >= 0 else { throw CryptoError("SecureRandom.bytes: negative count") }
        var result = [UInt8](repeating: 0, count: count)
        let ok = result.withUnsafeMutableBufferPointer { buffer -> Bool in
            var offset = 0
            while offset < buffer.count {
                let chunk = min(buffer.count - offset, Int(Int32.max))
                if RAND_bytes(buffer.baseAddress! + offset, Int32(chunk)) != 1 { return false }
                offset += chunk
            }
            return true
        }
        guard ok else { throw CryptoError.openSSL("RAND_bytes") }
        return result
    }

    /// `byteCount` random bytes as lowercase hex (`2 * byteCount` characters).
    public static func hexString(byteCount: Int) throws(CryptoError) -> String {
        Hex.encode(try bytes(byteCount))
    }

    /// `byteCount` random bytes as unpadded base64url (RFC 4648 §5), safe in URLs and cookies.
    public static func urlSafeToken(byteCount: Int) throws(CryptoError) -> String {
        Base64URL.encode(try bytes(byteCount))
    }
}
