internal import COpenSSL

/// A failure reported by OpenSSL; the message includes OpenSSL's queued error strings.
public struct CryptoError: Error, Sendable, CustomStringConvertible {
    public let message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }

    /// An error for `operation`, with OpenSSL's error queue drained into the message.
    static func openSSL(_ operation: String) -> CryptoError {
        CryptoError(operation + " failed" + drainErrorQueue())
    }

    /// Empties this thread's OpenSSL error queue; returns its entries as ": e1; e2" (or "").
    static func drainErrorQueue() -> String {
        var text = ""
        var buffer = [CChar](repeating: 0, count: 256)
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            let line = buffer.withUnsafeMutableBufferPointer { buf -> String in
                ERR_error_string_n(code, buf.baseAddress, buf.count)
                let bytes = UnsafeRawBufferPointer(buf).prefix { $0 != 0 }
                return String(decoding: bytes, as: UTF8.self)
            }
            text += (text.isEmpty ? ": " : "; ") + line
        }
        return text
    }
}
