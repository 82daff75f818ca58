import AppCore
import CPrefork
import Testing
@testable import FCGIServer

/// The shared table's rules in one process, with the clock passed in (deciseconds): the same
/// fixed window as `LocalRateLimiter`, plus what only a fixed-size table has (eviction, a
/// claim abandoned by a killed process).
struct SharedRateLimitTableTests {
    final class Clock {
        var now: Int64 = 1_000_000
    }

    let clock = Clock()
    let rule = RateLimitRule(.general, maxRequests: 3, windowSeconds: 60)

    func limiter(_ table: SharedRateLimitTable) -> SharedRateLimiter {
        let clock = clock
        return SharedRateLimiter(table: table, now: { clock.now })
    }

    @Test func allowsTheLimitThenRefuses() throws {
        let limiter = limiter(try SharedRateLimitTable(slots: 64))
        let decisions = (0..<5).map { _ in limiter.hit("10.0.0.1", rule: rule) }
        #expect(decisions.map(\.allowed) == [true, true, true, false, false])
        #expect(decisions.map(\.remaining) == [2, 1, 0, 0, 0])
        #expect(decisions[0].resetSeconds == 60)
    }

    @Test func retryAfterCountsDownAndTheWindowResets() throws {
        let limiter = limiter(try SharedRateLimitTable(slots: 64))
        for _ in 0..<3 { _ = limiter.hit("c", rule: rule) }
        clock.now += 205  // 20.5 s
        let refused = limiter.hit("c", rule: rule)
        #expect(!refused.allowed)
        #expect(refused.resetSeconds == 40)
        clock.now += 394  // the window's last decisecond
        #expect(!limiter.hit("c", rule: rule).allowed)
        clock.now += 1
        #expect(limiter.hit("c", rule: rule) == RateLimitDecision(allowed: true, remaining: 2, resetSeconds: 60))
    }

    @Test func clientsAndRulesCountSeparately() throws {
        let limiter = limiter(try SharedRateLimitTable(slots: 64))
        let login = RateLimitRule(.login, maxRequests: 1, windowSeconds: 60)
        for _ in 0..<3 { _ = limiter.hit("a", rule: rule) }
        #expect(!limiter.hit("a", rule: rule).allowed)
        #expect(limiter.hit("b", rule: rule).allowed)
        #expect(limiter.hit("a", rule: login).allowed)
        #expect(!limiter.hit("a", rule: login).allowed)
        #expect(limiter.hit("b", rule: login).allowed)
    }

    @Test func peekCountsNothing() throws {
        let limiter = limiter(try SharedRateLimitTable(slots: 64))
        #expect(limiter.peek("c", rule: rule) == RateLimitDecision(allowed: true, remaining: 3, resetSeconds: 0))
        _ = limiter.hit("c", rule: rule)
        clock.now += 100
        #expect(limiter.peek("c", rule: rule) == RateLimitDecision(allowed: true, remaining: 2, resetSeconds: 50))
        #expect(limiter.peek("c", rule: rule).remaining == 2)
    }

    @Test func aFullTableEvictsTheWindowThatEndsFirst() throws {
        // 16 slots and 16 probes: every client competes for the same slots.
        let table = try SharedRateLimitTable(slots: 16, probes: 16)
        let limiter = limiter(table)
        #expect(table.slotCount == 16)
        for i in 0..<16 {
            _ = limiter.hit("client-\(i)", rule: rule)
            clock.now += 1
        }
        #expect(table.evictions == 0)
        _ = limiter.hit("client-0", rule: rule)  // still there: its second request
        #expect(limiter.peek("client-0", rule: rule).remaining == 1)
        _ = limiter.hit("newcomer", rule: rule)
        #expect(table.evictions == 1)
        // client-1's window ended first (client-0's too, but both opened in order; 0 opened first
        // and is evicted) — either way exactly one old client lost its counter.
        let forgotten = (0..<16).filter { limiter.peek("client-\($0)", rule: rule).remaining == 3 }
        #expect(forgotten == [0])
        #expect(limiter.peek("newcomer", rule: rule).remaining == 2)
    }

    @Test func expiredWindowsAreEvictedBeforeLiveOnes() throws {
        let table = try SharedRateLimitTable(slots: 16, probes: 16)
        let limiter = limiter(table)
        let short = RateLimitRule(.login, maxRequests: 3, windowSeconds: 1)
        for i in 0..<15 { _ = limiter.hit("long-\(i)", rule: rule) }
        _ = limiter.hit("short", rule: short)  // opened last, but ends after 1 s
        clock.now += 20
        _ = limiter.hit("newcomer", rule: rule)
        #expect(table.evictions == 1)
        #expect((0..<15).allSatisfy { limiter.peek("long-\($0)", rule: rule).remaining == 2 })
    }

    @Test func aClaimAbandonedByAKilledProcessExpires() throws {
        let table = try SharedRateLimitTable(slots: 64)
        let limiter = limiter(table)
        _ = limiter.hit("c", rule: rule)
        // As if an evicting worker died between its first and last store.
        let abandoned = "c".utf8.withContiguousStorageIfAvailable { bytes in
            CPrefork_rate_test_abandon_claim(table.table, rule.name.rawValue, bytes.baseAddress, bytes.count, clock.now + 10)
        }
        #expect(abandoned == 0)
        // While the claim's lease runs, the request goes through uncounted instead of waiting.
        #expect(limiter.hit("c", rule: rule) == RateLimitDecision(allowed: true, remaining: 3, resetSeconds: 0))
        clock.now += 10
        #expect(limiter.hit("c", rule: rule) == RateLimitDecision(allowed: true, remaining: 2, resetSeconds: 60))
    }

    @Test func limitsAboveTheCounterRangeAreClamped() throws {
        let limiter = limiter(try SharedRateLimitTable(slots: 64))
        let huge = RateLimitRule(.general, maxRequests: 1_000_000_000, windowSeconds: 60)
        #expect(limiter.hit("c", rule: huge).remaining == 999_999_999)
    }
}
