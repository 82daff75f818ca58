import CPrefork
import Glibc
import Handlers
import Postgres

/// The per-request time limit of a worker (`REQUEST_TIMEOUT_SECONDS`): php-fpm's
/// `request_terminate_timeout`, except that the client is answered instead of the worker killed.
///
/// Each request arms a one-shot POSIX timer: one `timer_settime` per request, nothing else on
/// the hot path. It is not disarmed afterwards (that would be a second system call): the next
/// request's arm replaces it, and an expiry between requests finds no request and does nothing
/// (the worker is then waiting in `accept`, which SA_RESTART resumes). When the limit passes, a C
/// signal handler (see `CPreforkRequestTimer.h`) sends a cancel request for the running
/// PostgreSQL statement with `PQcancel` and raises a flag. The statement fails with SQLSTATE
/// 57014, which `ErrorMapping` answers with 504; its transaction is rolled back on the way out;
/// any later query of the same request is refused without reaching the server (the flag, via
/// `Database.refusesQueries`); and a streamed body stops at its next write.
///
/// Limits: code that does not wait on PostgreSQL (a long computation in Swift) cannot be
/// interrupted safely, so such a request runs on and answers late. With the hard limit on, a
/// request still running at twice the limit ends the worker with `_exit` (exit code 124): the
/// front server sees the connection close (nginx's 502, which our configs serve as a JSON 503),
/// PostgreSQL rolls back the open transaction of the dead session, and the master forks a
/// replacement.
///
/// The signal is installed with SA_RESTART, so the FastCGI socket's reads and writes resume
/// after it (libfcgi does not retry EINTR) and libpq retries its poll. One case is not covered:
/// a write to nginx that is blocked half-way when the limit passes returns short, which libfcgi
/// does not notice; that response (already over its limit) reaches nginx cut (a 502 again).
///
/// One per process: the timer, its handler and the session to cancel are process-wide C state.
/// The signal goes to the thread that created the timer, which must be the one serving requests.
public final class RequestTimer {
    /// The exit code of a worker ended by the hard limit (as `timeout(1)` uses).
    public static let hardLimitExitCode: Int32 = 124

    /// The limit in milliseconds.
    public let limitMilliseconds: Int64
    /// The cancel key of the protected database's current session; the C side points into it.
    private var canceller: PGSignalCanceller?
    private var database: Database?

    /// Installs the handler and creates the timer for the calling thread.
    ///
    /// - Parameters:
    ///   - limit: the time a request may take (at least 1 ms).
    ///   - hardLimit: end the process when a request still runs at twice the limit.
    public init(limit: Duration, hardLimit: Bool) throws(SystemError) {
        let (seconds, attoseconds) = limit.components
        limitMilliseconds = max(1, seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        guard CPrefork_request_timer_install(hardLimit ? Self.hardLimitExitCode : 0) == 0 else {
            throw SystemError(call: "timer_create", errno: errno)
        }
    }

    deinit {
        CPrefork_request_timer_stop()
        CPrefork_request_timer_set_cancel(nil, nil)
        database?.sessionDidChange = nil
        database?.refusesQueries = nil
    }

    /// Makes `database`'s statements cancellable by this timer: its session's cancel key is
    /// kept for the signal handler (again after every reconnect), its queries are refused once
    /// the limit has passed, and it is cleaned up after a request that ran over. One database
    /// (the worker's); a second call replaces the first.
    public func protect(_ database: Database) {
        self.database?.sessionDidChange = nil
        self.database?.refusesQueries = nil
        self.database = database
        database.refusesQueries = { CPrefork_request_timer_fired() != 0 }
        database.sessionDidChange = { [weak self] session in
            self?.cancelTarget(session)
        }
    }

    /// Starts the limit of a request.
    func begin() {
        CPrefork_request_timer_arm(limitMilliseconds)
    }

    /// True while the current request is over its limit.
    var hasFired: Bool {
        CPrefork_request_timer_fired() != 0
    }

    /// Ends the limit of a request; true when it ran over. Then the protected database is put
    /// back in a clean state (an open transaction rolled back) for the next request.
    @discardableResult
    func end() -> Bool {
        guard CPrefork_request_timer_end() != 0 else { return false }
        database?.recoverAfterInterruption()
        return true
    }

    /// How many cancel requests the handler has sent since the timer was installed.
    var cancelsSent: Int {
        Int(CPrefork_request_timer_cancels_sent())
    }

    /// Points the handler at `session` (nil: nothing to cancel). The old key is withdrawn from
    /// the C side before it is freed.
    private func cancelTarget(_ session: PGConnection?) {
        CPrefork_request_timer_set_cancel(nil, nil)
        canceller = session?.makeSignalCanceller()
        if let canceller {
            CPrefork_request_timer_set_cancel(canceller.cancelPointer, PGSignalCanceller.cancelFunction)
        }
    }
}
