/// The rate limiter's rules in one process: for tests and single-process tools. A pool of
/// workers must share its counters (`SharedRateLimiter` in FCGIServer).
///
/// ```swift
/// var now = Duration.zero
/// let limiter = LocalRateLimiter(now: { now })
/// let rule = RateLimitRule(.general, maxRequests: 2, windowSeconds: 60)
/// limiter.hit("10.0.0.1", rule: rule)  // allowed, 1 remaining
/// ```
public final class LocalRateLimiter: RateLimiter {
    struct Key: Hashable {
        var rule: RateLimitRule.Name
        var client: String
    }

    struct Window {
        var end: Duration
        var count: Int
    }

    private var windows: [Key: Window] = [:]
    private let now: () -> Duration
    /// Expired windows are dropped when the table grows past this size.
    private let pruneThreshold: Int

    /// - Parameters:
    ///   - now: a monotonic clock, as time since any fixed origin (tests pass their own).
    ///   - pruneThreshold: number of windows above which expired ones are dropped.
    public init(now: (() -> Duration)? = nil, pruneThreshold: Int = 10_000) {
        if let now {
            self.now = now
        } else {
            let origin = ContinuousClock.now
            self.now = { ContinuousClock.now - origin }
        }
        self.pruneThreshold = pruneThreshold
    }

    public func hit(_ client: String, rule: RateLimitRule) -> RateLimitDecision {
        let now = now()
        let key = Key(rule: rule.name, client: client)
        guard var window = windows[key], window.end > now else {
            if windows.count >= pruneThreshold { windows = windows.filter { $0.value.end > now } }
            windows[key] = Window(end: now + .seconds(rule.windowSeconds), count: 1)
            return RateLimitDecision(allowed: true, remaining: rule.maxRequests - 1, resetSeconds: rule.windowSeconds)
        }
        let reset = Self.wholeSeconds(window.end - now)
        guard window.count < rule.maxRequests else {
            return RateLimitDecision(allowed: false, remaining: 0, resetSeconds: reset)
        }
        window.count += 1
        windows[key] = window
        return RateLimitDecision(allowed: true, remaining: rule.maxRequests - window.count, resetSeconds: reset)
    }

    public func peek(_ client: String, rule: RateLimitRule) -> RateLimitDecision {
        let now = now()
        guard let window = windows[Key(rule: rule.name, client: client)], window.end > now else {
            return RateLimitDecision(allowed: true, remaining: rule.maxRequests, resetSeconds: 0)
        }
        return RateLimitDecision(
            allowed: window.count < rule.maxRequests,
            remaining: max(0, rule.maxRequests - window.count),
            resetSeconds: Self.wholeSeconds(window.end - now))
    }

    /// Rounds up: a client told to retry after that many seconds finds the window over.
    static func wholeSeconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        return Int(seconds) + (attoseconds > 0 ? 1 : 0)
    }
}
