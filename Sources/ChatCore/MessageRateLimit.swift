/// How fast one connection may send: a token bucket of `burst` messages, refilled at
/// `perSecond` (`WS_MAX_MESSAGES_PER_SECOND`, `WS_MESSAGE_BURST`). Every text message counts,
/// pings and malformed ones included: a flood of anything costs the daemon the same.
///
/// ```swift
/// var limit = MessageRateLimit(perSecond: 10, burst: 30)
/// limit.allow(atNanoseconds: now)   // false once the bucket is empty
/// ```
public struct MessageRateLimit: Sendable {
    public let perSecond: Int
    public let burst: Int
    private var tokens: Double
    private var last: UInt64?

    public init(perSecond: Int, burst: Int) {
        self.perSecond = perSecond
        self.burst = max(1, burst)
        tokens = Double(self.burst)
    }

    /// Takes one token for a message received at `now` (a monotonic clock, in nanoseconds);
    /// false when none is left.
    public mutating func allow(atNanoseconds now: UInt64) -> Bool {
        if let last, now > last {
            tokens = min(Double(burst), tokens + Double(now - last) / 1e9 * Double(perSecond))
        }
        last = max(last ?? now, now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
