internal import CLibPQ

/// A connection's cancel key (libpq's `PGcancel`) for a signal handler.
///
/// `PQcancel` is documented as safe to call from a signal handler: it only reads the
/// `PGcancel` and opens a new connection to send the cancel request. A worker's request
/// timer keeps the current session's key in a C global and calls `cancelFunction` on it when
/// a request runs over its limit; the statement then fails with SQLSTATE 57014.
///
/// The key is a copy: it stays valid after the connection is closed (a cancel then reaches
/// nobody) but not after `reconnect()`, which gives the session a new key. Whoever hands
/// `cancelPointer` to a signal handler must withdraw it before releasing this object.
public final class PGSignalCanceller {
    /// The `PGcancel *`, valid for the life of this object.
    public let cancelPointer: OpaquePointer

    /// libpq's `PQcancel(cancel, errbuf, errbufsize)`: 1 when the request was sent.
    public static let cancelFunction: @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int32) -> Int32 =
        PQcancel

    init(_ cancel: OpaquePointer) {
        cancelPointer = cancel
    }

    deinit {
        PQfreeCancel(cancelPointer)
    }
}

extension PGConnection {
    /// A cancel key of this session for a signal handler; nil when libpq cannot make one.
    public func makeSignalCanceller() -> PGSignalCanceller? {
        PQgetCancel(handle).map(PGSignalCanceller.init)
    }

    /// True while a transaction block is open (or failed and not yet rolled back).
    public var hasOpenTransaction: Bool {
        isConnected && PQtransactionStatus(handle) != PQTRANS_IDLE
    }
}
