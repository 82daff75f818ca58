import CryptoSupport

/// The id a request is logged and answered under (contract section 2): a well-formed incoming
/// `X-Request-ID` (8 to 64 characters of `[A-Za-z0-9-]`) is reused; otherwise nginx's
/// `$request_id` (passed as the `REQUEST_ID` param) or, without nginx, a fresh random one.
public enum RequestID {
    public static func isWellFormed(_ id: String) -> Bool {
        let bytes = id.utf8
        guard (8...64).contains(bytes.count) else { return false }
        return bytes.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
        }
    }

    public static func choose(incoming: String?, fromFrontServer: String?) -> String {
        if let incoming, isWellFormed(incoming) { return incoming }
        if let fromFrontServer, isWellFormed(fromFrontServer) {
            // nginx's `$request_id` is lowercase hex already.
            let hasUppercase = fromFrontServer.utf8.contains { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") }
            return hasUppercase ? fromFrontServer.lowercased() : fromFrontServer
        }
        return (try? SecureRandom.hexString(byteCount: 16)) ?? "0000000000000000"
    }
}
