import CPrefork
import Glibc

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
/// any later query of the same request is refused without reaching the server (the flag); and a
/// streamed body stops at its next write. The timer knows no database: the composition root
/// (FCGIApp) points it at the worker's session and cleans up after an overrun.
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

    /// libpq's `PQcancel`, the function the signal handler calls on the cancel target.
    public typealias CancelFunction = @convention(c) (OpaquePointer?, UnsafeMutablePointer<CChar>?, Int32) -> Int32

    /// The limit in milliseconds.
    public let limitMilliseconds: Int64
    /// Called by `end()` after a request that ran over its limit: the composition root puts
    /// the worker's database session back in a clean state there (FCGIApp's `protect`).
    public var onOverrun: (() -> Void)?

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
    }

    /// What the signal handler cancels when the limit passes: a `PGcancel *` and `PQcancel`
    /// (nil: nothing). The caller keeps `cancel` alive until it sets another target or nil.
    public func setCancelTarget(_ cancel: OpaquePointer?, _ function: CancelFunction?) {
        CPrefork_request_timer_set_cancel(cancel, function)
    }

    /// Starts the limit of a request.
    func begin() {
        CPrefork_request_timer_arm(limitMilliseconds)
    }

    /// True while the current request is over its limit.
    public var hasFired: Bool {
        CPrefork_request_timer_fired() != 0
    }

    /// Ends the limit of a request; true when it ran over (then `onOverrun` runs).
    @discardableResult
    func end() -> Bool {
        guard CPrefork_request_timer_end() != 0 else { return false }
        onOverrun?()
        return true
    }

    /// How many cancel requests the handler has sent since the timer was installed.
    var cancelsSent: Int {
        Int(CPrefork_request_timer_cancels_sent())
    }
}
