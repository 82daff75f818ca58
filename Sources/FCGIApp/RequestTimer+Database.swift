import FCGIServer
import Handlers
import Postgres

extension RequestTimer {
    /// Makes `database`'s statements cancellable by this timer: the wiring of the transport's
    /// time limit to the application's one PostgreSQL session, done here, at the composition
    /// root, so that neither knows the other.
    ///
    /// - The session's cancel key is kept for the signal handler, again after every reconnect
    ///   (the old key is withdrawn from the C side before it is freed).
    /// - Once the limit has passed, the request's further queries are refused without reaching
    ///   the server.
    /// - After a request that ran over, an open transaction is rolled back (or a broken session
    ///   dropped), so the next request starts clean.
    ///
    /// One database per timer (the worker's); a second call replaces the first.
    func protect(_ database: Database) {
        let target = CancelTarget(timer: self)
        database.refusesQueries = { [weak self] in self?.hasFired ?? false }
        database.sessionDidChange = { session in target.point(at: session) }
        onOverrun = { database.recoverAfterInterruption() }
    }

    /// Holds the current session's cancel key while the C side points into it.
    private final class CancelTarget {
        unowned let timer: RequestTimer
        private var canceller: PGSignalCanceller?

        init(timer: RequestTimer) {
            self.timer = timer
        }

        func point(at session: PGConnection?) {
            timer.setCancelTarget(nil, nil)
            canceller = session?.makeSignalCanceller()
            if let canceller { timer.setCancelTarget(canceller.cancelPointer, PGSignalCanceller.cancelFunction) }
        }
    }
}
