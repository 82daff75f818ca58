import AppCore
import CPrefork
import Glibc

/// The pool's scoreboard (`CPrefork_scoreboard_*`, scoreboard.c): a slot per worker in
/// shared memory, mapped by the master before it forks, as php-fpm's scoreboard.
///
/// - The master claims a slot for each worker it forks and frees it when the worker is reaped
///   (`WorkerSlots`).
/// - The worker marks its slot busy and idle around each request (`begin` / `end`).
/// - Any worker reads the board for the status page (`poolStatus`).
/// - With a `directory` (`SCOREBOARD_DIR`), the board is a file there, `<pool>-<master pid>.scoreboard`,
///   and the status page also shows the other pools of this host that keep theirs in the same
///   folder (`otherPools`): the API pool's page shows the password-hashing pool, and the other
///   way round, without either pool forwarding requests to the other.
public final class PoolScoreboard: @unchecked Sendable, PoolStatusSource {
    // @unchecked: the memory is only touched through the C functions' atomic operations.
    let board: OpaquePointer
    public let poolName: String
    /// The board's file, when it has one.
    public let file: String?
    /// Where the other pools' boards are (the folder of `file`).
    let directory: String?

    static let fileSuffix = ".scoreboard"

    /// Maps a board with `slots` slots: the pool size, plus room for the workers of an old
    /// generation that finish their request after a reload. In `directory`, as a file that
    /// `removeFile()` deletes when the pool stops.
    public init(slots: Int, poolName: String = "www", directory: String? = nil) throws(SystemError) {
        if let directory {
            let path = directory + "/" + poolName + "-" + String(getpid()) + Self.fileSuffix
            guard
                let board = CPrefork_scoreboard_create_file(
                    path, UInt32(clamping: slots), Self.wallClockMilliseconds(),
                    poolName)
            else {
                throw SystemError(call: "scoreboard file \(path)", errno: errno)
            }
            self.board = board
            file = path
        } else {
            guard let board = CPrefork_scoreboard_create(UInt32(clamping: slots), Self.wallClockMilliseconds()) else {
                throw SystemError(call: "mmap", errno: errno)
            }
            self.board = board
            file = nil
        }
        self.poolName = poolName
        self.directory = directory
    }

    deinit { CPrefork_scoreboard_destroy(board) }

    /// Deletes the board's file (the master, as the pool stops), so other pages stop showing it.
    public func removeFile() {
        if let file { unlink(file) }
    }

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
        Self.status(of: board, poolName: poolName)
    }

    /// The other live pools whose boards are in this board's folder, by name.
    public func otherPools() -> [PoolStatus] {
        guard let directory, let folder = opendir(directory) else { return [] }
        defer { closedir(folder) }
        var pools: [PoolStatus] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            let path = directory + "/" + name
            guard name.hasSuffix(Self.fileSuffix), path != file, let peer = CPrefork_scoreboard_open_peer(path) else { continue }
            defer { CPrefork_scoreboard_close_peer(peer) }
            var buffer = [CChar](repeating: 0, count: Int(CPrefork_POOL_NAME_SIZE))
            CPrefork_scoreboard_pool_name(peer, &buffer)
            let poolName = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            pools.append(Self.status(of: peer, poolName: poolName))
        }
        return pools.sorted { ($0.pool, $0.startTime) < ($1.pool, $1.startTime) }
    }

    /// What a board shows, read slot by slot with atomic loads.
    static func status(of board: OpaquePointer, poolName: String) -> PoolStatus {
        var totals = CPrefork_PoolTotals()
        CPrefork_scoreboard_totals(board, &totals)
        let now = Self.monotonicMicroseconds()
        var processes: [PoolStatus.Process] = []
        for slot in 0..<CPrefork_scoreboard_slots(board) {
            var worker = CPrefork_WorkerStatus()
            guard CPrefork_scoreboard_worker(board, Int32(slot), &worker) == 0 else { continue }
            let busy = worker.busy != 0
            processes.append(
                PoolStatus.Process(
                    pid: Int(worker.pid), busy: busy, requests: worker.requests, startTime: worker.started_ms / 1000,
                    requestDurationMicroseconds: busy ? max(0, now - worker.request_started_us) : worker.last_duration_us))
        }
        return PoolStatus(
            pool: poolName, startTime: totals.started_ms / 1000, acceptedConnections: totals.accepted,
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
