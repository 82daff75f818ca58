import AppCore
import CPrefork
import Glibc

/// The pool's scoreboard (`CPrefork_scoreboard_*`, scoreboard.c): a slot per worker in
/// anonymous shared memory, mapped by the master before it forks, as php-fpm's scoreboard.
///
/// - The master claims a slot for each worker it forks and frees it when the worker is reaped
///   (`WorkerSlots`).
/// - The worker marks its slot busy and idle around each request (`begin` / `end`).
/// - Any worker reads the board for the status page (`poolStatus`).
public final class PoolScoreboard: @unchecked Sendable, PoolStatusSource {
    // @unchecked: the memory is only touched through the C functions' atomic operations.
    let board: OpaquePointer
    public let poolName: String

    /// Maps a board with `slots` slots: the pool size, plus room for the workers of an old
    /// generation that finish their request after a reload.
    public init(slots: Int, poolName: String = "www") throws(SystemError) {
        guard let board = CPrefork_scoreboard_create(UInt32(clamping: slots), Self.wallClockMilliseconds()) else {
            throw SystemError(call: "mmap", errno: errno)
        }
        self.board = board
        self.poolName = poolName
    }

    deinit { CPrefork_scoreboard_destroy(board) }

    public var slotCount: Int { Int(CPrefork_scoreboard_slots(board)) }

    // MARK: master

    /// A free slot for a worker about to be forked, or nil when all are taken.
    func claim() -> Int32? {
        let slot = CPrefork_scoreboard_claim(board, Self.wallClockMilliseconds())
        return slot >= 0 ? slot : nil
    }

    func assign(_ slot: Int32, to pid: pid_t) { CPrefork_scoreboard_assign(board, slot, pid) }

    func release(_ slot: Int32, countingExit: Bool) { CPrefork_scoreboard_release(board, slot, countingExit ? 1 : 0) }

    // MARK: worker

    func begin(_ slot: Int32) { CPrefork_scoreboard_begin(board, slot, Self.monotonicMicroseconds()) }

    /// Marks the request done; returns its duration in microseconds.
    @discardableResult
    func end(_ slot: Int32, slowMicroseconds: Int64) -> Int64 {
        CPrefork_scoreboard_end(board, slot, Self.monotonicMicroseconds(), slowMicroseconds)
    }

    // MARK: readers

    public func poolStatus() -> PoolStatus {
        var totals = CPrefork_PoolTotals()
        CPrefork_scoreboard_totals(board, &totals)
        let now = Self.monotonicMicroseconds()
        var processes: [PoolStatus.Process] = []
        for slot in 0..<CPrefork_scoreboard_slots(board) {
            var worker = CPrefork_WorkerStatus()
            guard CPrefork_scoreboard_worker(board, Int32(slot), &worker) == 0 else { continue }
            let busy = worker.busy != 0
            processes.append(PoolStatus.Process(
                pid: Int(worker.pid), busy: busy, requests: worker.requests, startTime: worker.started_ms / 1000,
                requestDurationMicroseconds: busy ? max(0, now - worker.request_started_us) : worker.last_duration_us))
        }
        return PoolStatus(pool: poolName, startTime: totals.started_ms / 1000, acceptedConnections: totals.accepted,
                          activeProcesses: Int(totals.active), maxActiveProcesses: Int(totals.max_active),
                          slowRequests: totals.slow, workerExits: totals.worker_exits, processes: processes)
    }

    static func wallClockMilliseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }

    static func monotonicMicroseconds() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
    }
}

/// A worker's place on the scoreboard, handed to it by the master at fork.
public struct WorkerSlot: Sendable {
    public let scoreboard: PoolScoreboard
    public let index: Int32
}
