/// How long a failed job waits before its next attempt.
///
/// The delay after attempt `n` (1-based) is `baseDelay × factor^(n−1)`, at most `maxDelay`.
/// With the defaults (60 s, factor 1) every retry waits 60 s, as the seed's Celery task
/// (`default_retry_delay=60`); factor 2 doubles it each time (60, 120, 240, …).
public struct RetryPolicy: Sendable, Equatable {
    public var baseDelaySeconds: Int
    public var factor: Int
    public var maxDelaySeconds: Int

    public init(baseDelaySeconds: Int = 60, factor: Int = 1, maxDelaySeconds: Int = 3600) {
        self.baseDelaySeconds = max(0, baseDelaySeconds)
        self.factor = max(1, factor)
        self.maxDelaySeconds = max(self.baseDelaySeconds, maxDelaySeconds)
    }

    /// Seconds to wait after the `attempt`-th try failed.
    public func delay(afterAttempt attempt: Int) -> Int {
        var delay = baseDelaySeconds
        var step = 1
        while step < attempt && delay < maxDelaySeconds {
            let (product, overflow) = delay.multipliedReportingOverflow(by: factor)
            if overflow || factor == 1 { break }
            delay = product
            step += 1
        }
        return min(delay, maxDelaySeconds)
    }

    /// What becomes of a job whose attempt failed: retried after a delay, or failed for good.
    public func outcome(afterAttempt attempt: Int, of maxAttempts: Int, permanent: Bool) -> FailureOutcome {
        if permanent || attempt >= maxAttempts { return .fail }
        return .retry(afterSeconds: delay(afterAttempt: attempt))
    }

    public enum FailureOutcome: Sendable, Equatable {
        case retry(afterSeconds: Int)
        case fail
    }
}
