import Glibc
import Testing
@testable import FCGIServer

/// The master's decisions, without forking: time is passed in as milliseconds.
struct PoolStateMachineTests {
    func started(_ size: Int) -> PoolStateMachine {
        var machine = PoolStateMachine(poolSize: size)
        let actions = machine.handle(.start, now: 0)
        #expect(actions == Array(repeating: .spawnWorker, count: size))
        for pid in 1...Int32(size) { _ = machine.handle(.workerStarted(pid: pid), now: 0) }
        return machine
    }

    @Test func aKilledWorkerIsReplacedAtOnce() {
        var machine = started(3)
        let actions = machine.handle(.workerExited(pid: 2, reason: .signaled(signal: SIGKILL, coreDumped: false)), now: 60_000)
        #expect(actions == [.spawnWorker])
        _ = machine.handle(.workerStarted(pid: 4), now: 60_000)
        #expect(machine.workers.count == 3)
    }

    @Test func aCrashLoopBacksOff() {
        var machine = started(1)
        var now: Int64 = 10
        var pid: Int32 = 1
        for _ in 0..<2 {
            #expect(machine.handle(.workerExited(pid: pid, reason: .exited(code: 1)), now: now) == [.spawnWorker])
            pid += 1
            _ = machine.handle(.workerStarted(pid: pid), now: now)
            now += 10
        }
        // The third quick death in a row: no immediate respawn.
        #expect(machine.handle(.workerExited(pid: pid, reason: .exited(code: 1)), now: now).isEmpty)
        #expect(machine.handle(.tick, now: now + 50).isEmpty)
        #expect(machine.handle(.tick, now: now + 100) == [.spawnWorker])
    }

    @Test func recyclingIsNotACrash() {
        var machine = started(1)
        for step in 0..<5 {
            let pid = Int32(1 + step)
            #expect(machine.handle(.workerExited(pid: pid, reason: .exited(code: 0)), now: Int64(step)) == [.spawnWorker])
            _ = machine.handle(.workerStarted(pid: pid + 1), now: Int64(step))
        }
    }

    @Test func gracefulStopSendsQuitThenEscalates() {
        var machine = started(2)
        #expect(machine.handle(.quit, now: 0) == [.signal(pid: 1, signal: SIGQUIT), .signal(pid: 2, signal: SIGQUIT)])
        #expect(machine.handle(.workerExited(pid: 1, reason: .exited(code: 0)), now: 5).isEmpty)
        #expect(machine.handle(.tick, now: 29_999).isEmpty)
        #expect(machine.handle(.tick, now: 30_000) == [.signal(pid: 2, signal: SIGTERM)])
        #expect(machine.handle(.tick, now: 33_000) == [.signal(pid: 2, signal: SIGKILL)])
        #expect(
            machine.handle(.workerExited(pid: 2, reason: .signaled(signal: SIGKILL, coreDumped: false)), now: 33_001)
                == [.exit(code: 0)])
    }

    @Test func terminateDuringGracefulStopHardens() {
        var machine = started(1)
        _ = machine.handle(.quit, now: 0)
        #expect(machine.handle(.terminate, now: 1) == [.signal(pid: 1, signal: SIGTERM)])
        #expect(machine.handle(.quit, now: 2).isEmpty)
    }

    @Test func noRespawnWhileStopping() {
        var machine = started(2)
        _ = machine.handle(.terminate, now: 0)
        #expect(machine.handle(.workerExited(pid: 1, reason: .signaled(signal: SIGTERM, coreDumped: false)), now: 1).isEmpty)
        #expect(
            machine.handle(.workerExited(pid: 2, reason: .signaled(signal: SIGTERM, coreDumped: false)), now: 2) == [
                .exit(code: 0)
            ])
    }

    @Test func reloadStartsNewWorkersAndRetiresOldOnes() {
        var machine = started(2)
        let actions = machine.handle(.reload, now: 100)
        #expect(actions.filter { $0 == .spawnWorker }.count == 2)
        #expect(actions.contains(.signal(pid: 1, signal: SIGQUIT)))
        #expect(actions.contains(.signal(pid: 2, signal: SIGQUIT)))
        _ = machine.handle(.workerStarted(pid: 3), now: 100)
        _ = machine.handle(.workerStarted(pid: 4), now: 100)
        // An old worker ending is not replaced: the new generation is complete.
        #expect(machine.handle(.workerExited(pid: 1, reason: .exited(code: 0)), now: 200).isEmpty)
        #expect(machine.workers.count == 2)
        // One that is still busy past the graceful limit gets SIGTERM.
        #expect(machine.handle(.tick, now: 30_100) == [.signal(pid: 2, signal: SIGTERM)])
    }
}

/// Reload by re-executing the master (a new binary on disk), and log reopening.
struct PoolStateMachineReexecTests {
    func started(_ size: Int, reexec: Bool) -> PoolStateMachine {
        var machine = PoolStateMachine(poolSize: size, reexecOnReload: reexec)
        _ = machine.handle(.start, now: 0)
        for pid in 1...Int32(size) { _ = machine.handle(.workerStarted(pid: pid), now: 0) }
        return machine
    }

    @Test func reloadReexecutesWithTheWorkersStillServing() {
        var machine = started(2, reexec: true)
        // No SIGQUIT yet: the old workers go on accepting until the new image has its own.
        #expect(machine.handle(.reload, now: 10) == [.reexecute(workers: [1, 2])])
        #expect(machine.workers.count == 2)
    }

    @Test func aFailedReexecReloadsInPlace() {
        var machine = started(2, reexec: true)
        _ = machine.handle(.reload, now: 10)
        let actions = machine.handle(.reexecFailed, now: 11)
        #expect(actions == [.signal(pid: 1, signal: SIGQUIT), .signal(pid: 2, signal: SIGQUIT), .spawnWorker, .spawnWorker])
        #expect(machine.retiring.keys.sorted() == [1, 2])
    }

    @Test func theNewImageRetiresAdoptedWorkersAfterStartingItsOwn() {
        var machine = PoolStateMachine(poolSize: 2, reexecOnReload: true)
        #expect(machine.handle(.start, now: 0) == [.spawnWorker, .spawnWorker])
        _ = machine.handle(.workerStarted(pid: 10), now: 0)
        _ = machine.handle(.workerStarted(pid: 11), now: 0)
        #expect(
            machine.handle(.adopt(pids: [2, 1]), now: 1) == [.signal(pid: 1, signal: SIGQUIT), .signal(pid: 2, signal: SIGQUIT)])
        // An adopted worker's exit is not a crash of the pool: nothing is respawned for it.
        #expect(machine.handle(.workerExited(pid: 1, reason: .exited(code: 0)), now: 5).isEmpty)
        // One still busy past the graceful limit gets SIGTERM.
        #expect(machine.handle(.tick, now: 1 + 30_000) == [.signal(pid: 2, signal: SIGTERM)])
        #expect(machine.workers.count == 2)
    }

    @Test func reopenLogsReachesEveryWorkerOldAndNew() {
        var machine = started(2, reexec: false)
        _ = machine.handle(.reload, now: 10)
        _ = machine.handle(.workerStarted(pid: 3), now: 10)
        _ = machine.handle(.workerStarted(pid: 4), now: 10)
        #expect(machine.handle(.reopenLogs, now: 20) == [1, 2, 3, 4].map { .signal(pid: $0, signal: SIGUSR1) })
    }
}
