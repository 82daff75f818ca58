internal import COpenSSL
#if canImport(Glibc)
internal import Glibc
#endif

/// TLS over a connected, non-blocking socket (an `SSL`), client side. The caller owns the socket
/// and waits for it (poll) whenever a call answers `.wantRead` or `.wantWrite`; this type never
/// blocks and never closes the descriptor.
///
/// ```swift
/// let tls = try TLSConnection(context: context, fileDescriptor: fd, serverName: "smtp.example.com")
/// while case let progress = try tls.handshake(), progress != .done { wait(fd, for: progress) }
/// ```
public final class TLSConnection {
    private let ssl: OpaquePointer
    private let context: TLSClientContext

    /// What a call needs before it can go on.
    public enum Progress: Sendable, Equatable {
        case done
        case wantRead
        case wantWrite
    }

    /// - Parameter serverName: sent as SNI, and the name (or IP address) the certificate must
    ///   carry when the context verifies peers.
    public init(context: TLSClientContext, fileDescriptor: Int32, serverName: String) throws(CryptoError) {
        guard let ssl = SSL_new(context.context) else { throw .openSSL("SSL_new") }
        self.ssl = ssl
        self.context = context
        guard SSL_set_fd(ssl, fileDescriptor) == 1 else { throw .openSSL("SSL_set_fd") }
        let isAddress = Self.isIPAddress(serverName)
        if !isAddress {
            guard COpenSSL_SSL_set_tlsext_host_name(ssl, serverName) == 1 else { throw .openSSL("setting SNI") }
        }
        if context.verifiesPeer {
            let ok =
                isAddress
                ? X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), serverName) == 1
                : SSL_set1_host(ssl, serverName) == 1
            guard ok else { throw .openSSL("setting the expected host name") }
        }
        SSL_set_connect_state(ssl)
    }

    deinit {
        SSL_free(ssl)
    }

    /// Advances the handshake. Throws when it fails (a certificate that does not verify says why).
    public func handshake() throws(CryptoError) -> Progress {
        let result = SSL_do_handshake(ssl)
        if result == 1 { return .done }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        default:
            let verify = SSL_get_verify_result(ssl)
            if verify != Int(X509_V_OK) {
                let reason = String(cString: X509_verify_cert_error_string(verify))
                _ = CryptoError.drainErrorQueue()
                throw CryptoError("TLS handshake failed: certificate verification: \(reason)")
            }
            throw .openSSL("TLS handshake")
        }
    }

    /// The outcome of `read`.
    public enum ReadResult: Sendable, Equatable {
        case bytes(Int)
        case wantRead
        case wantWrite
        /// The peer closed the connection (with or without a TLS close_notify).
        case closed
    }

    /// Reads decrypted bytes into `buffer`.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(CryptoError) -> ReadResult {
        var count = 0
        let ok = SSL_read_ex(ssl, buffer.baseAddress, buffer.count, &count)
        if ok == 1 { return .bytes(count) }
        switch SSL_get_error(ssl, ok) {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .closed
        case SSL_ERROR_SYSCALL:
            _ = CryptoError.drainErrorQueue()
            return .closed
        default:
            throw .openSSL("TLS read")
        }
    }

    /// Writes some of `bytes`; returns how many were taken (0 with `.wantRead`/`.wantWrite`).
    public func write(_ bytes: UnsafeRawBufferPointer) throws(CryptoError) -> (written: Int, progress: Progress) {
        var count = 0
        let ok = SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &count)
        if ok == 1 { return (count, .done) }
        switch SSL_get_error(ssl, ok) {
        case SSL_ERROR_WANT_READ: return (0, .wantRead)
        case SSL_ERROR_WANT_WRITE: return (0, .wantWrite)
        default: throw .openSSL("TLS write")
        }
    }

    /// Sends a close_notify without waiting for the peer's (best effort, before closing).
    public func shutdown() {
        _ = SSL_shutdown(ssl)
        _ = CryptoError.drainErrorQueue()
    }

    /// The negotiated protocol, e.g. `TLSv1.3`.
    public var protocolVersion: String {
        String(cString: SSL_get_version(ssl))
    }

    static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}

@available(*, unavailable, message: "one owner: the SMTP connection")
extension TLSConnection: Sendable {}
