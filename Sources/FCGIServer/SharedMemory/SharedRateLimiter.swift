import AppCore
import CPrefork
import Glibc

/// `RateLimiter` on the pool's shared table: a fixed window per client and rule, counted
/// across every worker (see `RateLimiter` for the rules, `SharedRateLimitTable` for the memory).
///
/// Time is `CLOCK_MONOTONIC` in deciseconds: one clock for all processes of the machine, not
/// moved by changes of the wall clock. Tests pass their own.
public struct SharedRateLimiter: RateLimiter {
    let table: SharedRateLimitTable
    let now: () -> Int64

    /// - Parameters:
    ///   - table: the table the master made before forking.
    ///   - now: deciseconds on a monotonic clock shared by the processes.
    public init(table: SharedRateLimitTable, now: @escaping () -> Int64 = SharedRateLimiter.monotonicDeciseconds) {
        self.table = table
        self.now = now
    }

    public func hit(_ client: String, rule: RateLimitRule) -> RateLimitDecision {
        guard
            let result = table.hit(
                rule: rule.name.rawValue, client: client, limit: rule.maxRequests,
                windowDeciseconds: Int64(rule.windowSeconds) * 10, now: now())
        else {
            // No slot at this instant (evictions racing): let the request through uncounted.
            return RateLimitDecision(allowed: true, remaining: rule.maxRequests, resetSeconds: 0)
        }
        return Self.decision(result, rule: rule)
    }

    public func peek(_ client: String, rule: RateLimitRule) -> RateLimitDecision {
        Self.decision(table.peek(rule: rule.name.rawValue, client: client, limit: rule.maxRequests, now: now()), rule: rule)
    }

    static func decision(_ result: CPrefork_RateResult, rule: RateLimitRule) -> RateLimitDecision {
        RateLimitDecision(
            allowed: result.allowed != 0,
            remaining: max(0, rule.maxRequests - Int(result.count)),
            resetSeconds: Int((result.reset_ds + 9) / 10))
    }

    public static func monotonicDeciseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 10 + Int64(spec.tv_nsec) / 100_000_000
    }
}
