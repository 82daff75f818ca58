internal import CLibPQ
import Glibc

/// Holds a connection's `PGcancel` so another thread can cancel the running query.
///
/// `PQcancel` only reads the `PGcancel` object, so it is safe while the owning
/// thread is blocked in libpq; the mutex guards replacing it on reconnect.
final class QueryCanceller: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var cancel: OpaquePointer?

    /// Takes ownership of `cancel` (from `PQgetCancel`, may be nil).
    init(_ cancel: OpaquePointer?) {
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        pthread_mutex_init(mutex, nil)
        self.cancel = cancel
    }

    deinit {
        if let cancel { PQfreeCancel(cancel) }
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Frees the old `PGcancel` and takes ownership of `newCancel`.
    func replace(with newCancel: OpaquePointer?) {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if let cancel { PQfreeCancel(cancel) }
        cancel = newCancel
    }

    /// Asks the server to cancel the running query; returns whether the request was sent.
    @discardableResult
    func requestCancel() -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard let cancel else { return false }
        var errorBuffer = [CChar](repeating: 0, count: 256)
        return PQcancel(cancel, &errorBuffer, Int32(errorBuffer.count)) == 1
    }
}
