/// Counts requests per client under a rule and says whether one more may go through.
///
/// Production uses the pool-wide table in shared memory (`SharedRateLimiter` in FCGIServer):
/// a limit kept per process would allow N workers × the limit. `LocalRateLimiter` does the
/// same in one process, for tests and tools.
///
/// Semantics (both implementations): a fixed window per client and rule, opened by the
/// client's first request and lasting `windowSeconds`; at most `maxRequests` requests are
/// allowed in it; refused requests are not counted (as the seed's); when the window ends the
/// next request opens a new one.
public protocol RateLimiter {
    /// Counts one request of `client` under `rule`, unless it is over the limit.
    func hit(_ client: String, rule: RateLimitRule) -> RateLimitDecision
    /// The state of `client` under `rule`, counting nothing.
    func peek(_ client: String, rule: RateLimitRule) -> RateLimitDecision
}

/// A limit: `maxRequests` per `windowSeconds` and client. Rules count separately.
public struct RateLimitRule: Sendable, Equatable {
    /// The limits the API has.
    public enum Name: UInt32, Sendable {
        /// Every request (`RATE_LIMIT_*`).
        case general = 1
        /// Login attempts, `POST /api/v1/auth/token` (`LOGIN_RATE_LIMIT_*`), on top of `general`.
        case login = 2
    }

    public let name: Name
    public let maxRequests: Int
    public let windowSeconds: Int
    /// `maxRequests` as the `X-RateLimit-Limit` value, formatted once.
    let limitHeaderValue: String

    public init(_ name: Name, maxRequests: Int, windowSeconds: Int) {
        self.name = name
        self.maxRequests = maxRequests
        self.windowSeconds = windowSeconds
        self.limitHeaderValue = String(maxRequests)
    }
}

/// What a limiter decided for one request.
public struct RateLimitDecision: Sendable, Equatable {
    /// The request may go on (it has been counted, for a hit).
    public var allowed: Bool
    /// Requests left in the current window after this one (`X-RateLimit-Remaining`).
    public var remaining: Int
    /// Whole seconds, rounded up, until the current window ends: a refused client may retry
    /// then (`Retry-After`). 0 when no window is open.
    public var resetSeconds: Int

    public init(allowed: Bool, remaining: Int, resetSeconds: Int) {
        self.allowed = allowed
        self.remaining = remaining
        self.resetSeconds = resetSeconds
    }
}
