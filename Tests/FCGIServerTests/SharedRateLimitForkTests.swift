import AppCore
import CPrefork
import Glibc
import Testing
@testable import FCGIServer

/// The shared table across processes: children forked from the test hammer one client's
/// counter at the same time. Tests run on several threads, so a child may only call
/// async-signal-safe code: each runs `CPrefork_rate_test_child` (C: hits in a loop, tallies
/// in shared memory, `_exit`) and nothing else.
struct SharedRateLimitForkTests {
    /// A start gate and allowed/refused tallies per child, in shared memory the children use.
    final class Tallies {
        let counters: UnsafeMutablePointer<UInt64>
        let children: Int
        let size: Int

        init(children: Int) throws {
            self.children = children
            size = (children * 2 + 1) * MemoryLayout<UInt64>.stride
            let memory = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0)
            guard let memory, memory != MAP_FAILED else { throw SystemError(call: "mmap", errno: errno) }
            counters = memory.bindMemory(to: UInt64.self, capacity: children * 2 + 1)
        }

        deinit { munmap(counters, size) }

        func allowed(_ child: Int) -> UnsafeMutablePointer<UInt64> { counters + 2 * child }
        func refused(_ child: Int) -> UnsafeMutablePointer<UInt64> { counters + 2 * child + 1 }
        /// Children wait until this is non-zero, so that they hammer at the same time.
        var gate: UnsafeMutablePointer<UInt64> { counters + 2 * children }
        func open() { gate.pointee = 1 }
    }

    /// The client's bytes at a fixed address, made before any fork.
    final class ClientBytes {
        let pointer: UnsafeMutablePointer<UInt8>
        let count: Int

        init(_ text: String) {
            count = text.utf8.count
            pointer = .allocate(capacity: count)
            _ = UnsafeMutableBufferPointer(start: pointer, count: count).initialize(from: text.utf8)
        }

        deinit { pointer.deallocate() }
    }

    static let now: Int64 = 5_000_000
    static let window: Int64 = 600

    /// Forks a child that hits `client` `attempts` times under `limit`, pausing `pauseMicroseconds`.
    static func spawn(
        _ table: SharedRateLimitTable, _ client: ClientBytes, limit: UInt32, attempts: UInt64,
        pauseMicroseconds: UInt32, gate: UnsafeMutablePointer<UInt64>?,
        allowed: UnsafeMutablePointer<UInt64>, refused: UnsafeMutablePointer<UInt64>
    ) -> pid_t {
        let handle = table.table
        let bytes = client.pointer
        let length = client.count
        let pid = fork()
        if pid == 0 {
            CPrefork_rate_test_child(
                handle, 1, bytes, length, limit, window, now, attempts, pauseMicroseconds,
                gate, allowed, refused)
        }
        return pid
    }

    /// Waits for `pid` at most `seconds`; its exit reason, or nil (then it is killed).
    static func wait(_ pid: pid_t, seconds: Double = 20) -> ExitReason? {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        while ContinuousClock.now < deadline {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid { return ExitReason(waitStatus: status) }
            if result < 0, errno != EINTR { return nil }
            usleep(2_000)
        }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        return nil
    }

    @Test func childrenHammeringOneClientAreAllowedExactlyTheLimitInTotal() throws {
        let table = try SharedRateLimitTable(slots: 1024)
        let client = ClientBytes("203.0.113.7")
        let children = 4
        let attempts: UInt64 = 50_000
        let limit: UInt32 = 120_000
        let tallies = try Tallies(children: children)
        let pids = (0..<children).map { child in
            Self.spawn(
                table, client, limit: limit, attempts: attempts, pauseMicroseconds: 0, gate: tallies.gate,
                allowed: tallies.allowed(child), refused: tallies.refused(child))
        }
        #expect(pids.allSatisfy { $0 > 0 })
        tallies.open()
        for pid in pids {
            #expect(Self.wait(pid) == .exited(code: 0))
        }
        let allowed = (0..<children).map { tallies.allowed($0).pointee }
        let refused = (0..<children).map { tallies.refused($0).pointee }
        #expect(allowed.reduce(0, +) == UInt64(limit))
        #expect(refused.reduce(0, +) == UInt64(children) * attempts - UInt64(limit))
        // More than one child got a share: they really ran side by side.
        #expect(allowed.filter { $0 > 0 }.count > 1, "\(allowed)")
        // The parent sees the same counter.
        let rule = RateLimitRule(.general, maxRequests: Int(limit), windowSeconds: 60)
        let limiter = SharedRateLimiter(table: table, now: { Self.now })
        #expect(limiter.peek("203.0.113.7", rule: rule) == RateLimitDecision(allowed: false, remaining: 0, resetSeconds: 60))
    }

    @Test func aChildKilledMidwayBlocksNobody() throws {
        let table = try SharedRateLimitTable(slots: 1024)
        let client = ClientBytes("198.51.100.23")
        let limit: UInt32 = 600
        let tallies = try Tallies(children: 3)
        // A slow child that would run for minutes, killed while the others hammer the counter.
        let victim = Self.spawn(
            table, client, limit: limit, attempts: 10_000_000, pauseMicroseconds: 20, gate: nil,
            allowed: tallies.allowed(0), refused: tallies.refused(0))
        let others = (1...2).map { child in
            Self.spawn(
                table, client, limit: limit, attempts: 2_000, pauseMicroseconds: 5, gate: nil,
                allowed: tallies.allowed(child), refused: tallies.refused(child))
        }
        usleep(20_000)
        kill(victim, SIGKILL)
        #expect(Self.wait(victim) == .signaled(signal: SIGKILL, coreDumped: false))
        for pid in others {
            #expect(Self.wait(pid, seconds: 20) == .exited(code: 0), "a survivor hung")
        }
        // A process forked after the kill (as a respawned worker is) sees the same counter.
        let late = Self.spawn(
            table, client, limit: limit, attempts: 1, pauseMicroseconds: 0, gate: nil,
            allowed: tallies.allowed(0), refused: tallies.refused(0))
        let victimAllowed = tallies.allowed(0).pointee
        #expect(Self.wait(late) == .exited(code: 0))
        #expect(tallies.allowed(0).pointee == victimAllowed, "the late child was allowed past the limit")
        let total = (0..<3).map { tallies.allowed($0).pointee }.reduce(0, +)
        // The victim may have died between its counted hit and its own tally: at most one short.
        #expect(total == UInt64(limit) || total == UInt64(limit) - 1, "\(total)")
        let rule = RateLimitRule(.general, maxRequests: Int(limit), windowSeconds: 60)
        #expect(SharedRateLimiter(table: table, now: { Self.now }).peek("198.51.100.23", rule: rule).remaining == 0)
    }
}
