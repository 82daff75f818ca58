internal import COpenSSL

/// The settings of outgoing TLS connections (an `SSL_CTX`): TLS 1.2 or newer, and, unless turned
/// off, verification of the server's certificate chain against the system's trust store (or the
/// given CA file) and of its name (see `TLSConnection`).
public final class TLSClientContext {
    let context: OpaquePointer
    public let verifiesPeer: Bool

    /// - Parameters:
    ///   - verifyPeer: check the certificate chain and host name (the default; turn off only for
    ///     development servers with self-made certificates, and prefer `caFile` there).
    ///   - caFile: a PEM file of trusted certificates to use instead of the system's store.
    public init(verifyPeer: Bool = true, caFile: String? = nil) throws(CryptoError) {
        guard let context = SSL_CTX_new(TLS_client_method()) else { throw .openSSL("SSL_CTX_new") }
        self.context = context
        self.verifiesPeer = verifyPeer
        guard COpenSSL_SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) == 1 else {
            throw .openSSL("SSL_CTX_set_min_proto_version")
        }
        // Writes are retried with the same bytes, perhaps from another address (Swift arrays).
        _ = COpenSSL_SSL_CTX_set_mode(context, Int(SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_ENABLE_PARTIAL_WRITE))
        if let caFile {
            guard SSL_CTX_load_verify_locations(context, caFile, nil) == 1 else {
                throw .openSSL("loading the CA file \(caFile)")
            }
        } else if verifyPeer {
            guard SSL_CTX_set_default_verify_paths(context) == 1 else {
                throw .openSSL("SSL_CTX_set_default_verify_paths")
            }
        }
        SSL_CTX_set_verify(context, verifyPeer ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nil)
    }

    deinit {
        SSL_CTX_free(context)
    }
}

@available(*, unavailable, message: "one owner: the process's mail transport")
extension TLSClientContext: Sendable {}
