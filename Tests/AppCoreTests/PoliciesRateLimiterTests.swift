import Testing
@testable import AppCore

/// The fixed-window rules of `LocalRateLimiter`, with a clock the test moves. The shared
/// table in FCGIServer follows the same rules (SharedRateLimitTableTests).
struct LocalRateLimiterTests {
    final class Clock {
        var now: Duration = .seconds(1000)
    }

    let clock = Clock()
    let rule = RateLimitRule(.general, maxRequests: 3, windowSeconds: 60)

    func limiter() -> LocalRateLimiter {
        let clock = clock
        return LocalRateLimiter(now: { clock.now })
    }

    @Test func allowsTheLimitThenRefuses() {
        let limiter = limiter()
        let decisions = (0..<5).map { _ in limiter.hit("10.0.0.1", rule: rule) }
        #expect(decisions.map(\.allowed) == [true, true, true, false, false])
        #expect(decisions.map(\.remaining) == [2, 1, 0, 0, 0])
    }

    @Test func retryAfterCountsDownToTheWindowEnd() {
        let limiter = limiter()
        #expect(limiter.hit("c", rule: rule).resetSeconds == 60)
        clock.now += .milliseconds(20_500)
        _ = limiter.hit("c", rule: rule)
        _ = limiter.hit("c", rule: rule)
        let refused = limiter.hit("c", rule: rule)
        #expect(!refused.allowed)
        #expect(refused.resetSeconds == 40)  // 39.5 s left, rounded up
    }

    @Test func windowResetsWhenItEnds() {
        let limiter = limiter()
        for _ in 0..<3 { _ = limiter.hit("c", rule: rule) }
        clock.now += .seconds(59)
        #expect(!limiter.hit("c", rule: rule).allowed)
        clock.now += .seconds(1)
        let fresh = limiter.hit("c", rule: rule)
        #expect(fresh.allowed)
        #expect(fresh.remaining == 2)
        #expect(fresh.resetSeconds == 60)
    }

    @Test func refusedRequestsAreNotCounted() {
        let limiter = limiter()
        for _ in 0..<10 { _ = limiter.hit("c", rule: rule) }
        clock.now += .seconds(60)
        #expect(limiter.hit("c", rule: rule).remaining == 2)
    }

    @Test func clientsAndRulesCountSeparately() {
        let limiter = limiter()
        let login = RateLimitRule(.login, maxRequests: 3, windowSeconds: 60)
        for _ in 0..<3 { _ = limiter.hit("a", rule: rule) }
        #expect(!limiter.hit("a", rule: rule).allowed)
        #expect(limiter.hit("b", rule: rule).allowed)
        #expect(limiter.hit("a", rule: login).remaining == 2)
    }

    @Test func peekCountsNothing() {
        let limiter = limiter()
        #expect(limiter.peek("c", rule: rule) == RateLimitDecision(allowed: true, remaining: 3, resetSeconds: 0))
        _ = limiter.hit("c", rule: rule)
        clock.now += .seconds(10)
        #expect(limiter.peek("c", rule: rule) == RateLimitDecision(allowed: true, remaining: 2, resetSeconds: 50))
        #expect(limiter.peek("c", rule: rule).remaining == 2)
        _ = limiter.hit("c", rule: rule)
        _ = limiter.hit("c", rule: rule)
        #expect(limiter.peek("c", rule: rule) == RateLimitDecision(allowed: false, remaining: 0, resetSeconds: 50))
    }

    @Test func expiredWindowsArePrunedWhenTheTableGrows() {
        let clock = clock
        let limiter = LocalRateLimiter(now: { clock.now }, pruneThreshold: 4)
        for client in ["a", "b", "c", "d"] { _ = limiter.hit(client, rule: rule) }
        clock.now += .seconds(61)
        _ = limiter.hit("e", rule: rule)
        #expect(limiter.peek("a", rule: rule).remaining == 3)
        #expect(limiter.hit("e", rule: rule).remaining == 1)
    }
}
