import AppCore
import CPrefork
import Glibc
import Testing
@testable import FCGIServer

/// The pool's scoreboard: slots handed out and taken back by the master, busy and idle marks
/// by the workers, and what the status page reads from it.
struct PoolScoreboardTests {
    @Test func aRequestIsCountedAndItsWorkerShownBusyThenIdle() throws {
        let board = try PoolScoreboard(slots: 4)
        let slot = try #require(board.claim())
        board.assign(slot, to: 4242)
        board.begin(slot)
        var status = board.poolStatus()
        #expect(status.acceptedConnections == 1)
        #expect(status.activeProcesses == 1)
        #expect(status.processes.map(\.pid) == [4242])
        #expect(status.processes.first?.busy == true)
        board.end(slot, slowMicroseconds: 0)
        status = board.poolStatus()
        #expect(status.activeProcesses == 0)
        #expect(status.processes.first?.busy == false)
        #expect(status.processes.first?.requests == 1)
        #expect(status.slowRequests == 0)
        #expect(status.maxActiveProcesses == 1)
    }

    @Test func requestsOverTheThresholdAreSlow() throws {
        let board = try PoolScoreboard(slots: 2)
        let slot = try #require(board.claim())
        board.assign(slot, to: 1)
        board.begin(slot)
        usleep(3_000)
        let duration = board.end(slot, slowMicroseconds: 2_000)
        #expect(duration >= 3_000)
        board.begin(slot)
        board.end(slot, slowMicroseconds: 1_000_000)
        let status = board.poolStatus()
        #expect(status.slowRequests == 1)
        #expect(status.acceptedConnections == 2)
        #expect(status.processes.first?.requestDurationMicroseconds ?? -1 < 1_000_000)
    }

    @Test func slotsAreLimitedAndReusedAndExitsCountedWhenAsked() throws {
        let board = try PoolScoreboard(slots: 2)
        let first = try #require(board.claim())
        let second = try #require(board.claim())
        #expect(first != second)
        #expect(board.claim() == nil)
        // A claimed slot whose fork has not been recorded yet is not a process.
        #expect(board.poolStatus().processes.isEmpty)
        board.assign(first, to: 10)
        board.assign(second, to: 11)
        board.release(first, countingExit: true)
        board.release(second, countingExit: false)  // e.g. the pool is stopping
        #expect(board.poolStatus().workerExits == 1)
        #expect(board.poolStatus().processes.isEmpty)
        #expect(board.claim() != nil)
    }

    @Test func theMostBusyAtOnceIsKept() throws {
        let board = try PoolScoreboard(slots: 3)
        let slots = try (0..<3).map { pid in
            let slot = try #require(board.claim())
            board.assign(slot, to: pid_t(100 + pid))
            return slot
        }
        for slot in slots { board.begin(slot) }
        for slot in slots { board.end(slot, slowMicroseconds: 0) }
        board.begin(slots[0])
        let status = board.poolStatus()
        #expect(status.maxActiveProcesses == 3)
        #expect(status.activeProcesses == 1)
    }

    /// A worker killed in the middle of a request: once the master frees its slot, the board
    /// shows neither the process nor a busy worker. The child only calls async-signal-safe C
    /// (the test process has other threads).
    @Test func aWorkerKilledMidRequestLeavesNothingBusy() throws {
        let board = try PoolScoreboard(slots: 2)
        let slot = try #require(board.claim())
        let handle = board.board
        let pid = fork()
        if pid == 0 {
            var spec = timespec()
            clock_gettime(CLOCK_MONOTONIC, &spec)
            CPrefork_scoreboard_begin(handle, slot, Int64(spec.tv_sec) * 1_000_000)
            while true { pause() }
        }
        #expect(pid > 0)
        board.assign(slot, to: pid)
        var busy = false
        for _ in 0..<500 where !busy {
            busy = board.poolStatus().activeProcesses == 1
            if !busy { usleep(2_000) }
        }
        #expect(busy)
        #expect(board.poolStatus().processes.map(\.pid) == [Int(pid)])
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        board.release(slot, countingExit: true)
        let after = board.poolStatus()
        #expect(after.activeProcesses == 0)
        #expect(after.processes.isEmpty)
        #expect(after.workerExits == 1)
        #expect(after.acceptedConnections == 1)
    }

    /// Pools of one host that keep their boards in one folder see each other: each page lists
    /// the others (not itself), a board whose master is gone or a file that is not a board is
    /// left out, and a stopped pool's board goes with its file.
    @Test func poolsSharingAFolderSeeEachOther() throws {
        var template = Array("/tmp/scoreboards-XXXXXX".utf8CString)
        let directory = try #require(
            template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }.map { String(cString: $0) })
        defer {
            if let folder = opendir(directory) {
                while let entry = readdir(folder) {
                    let name = withUnsafeBytes(of: entry.pointee.d_name) {
                        String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                    }
                    if name != "." && name != ".." { unlink(directory + "/" + name) }
                }
                closedir(folder)
            }
            rmdir(directory)
        }
        let api = try PoolScoreboard(slots: 4, poolName: "api", directory: directory)
        let auth = try PoolScoreboard(slots: 2, poolName: "auth", directory: directory)
        let slot = try #require(auth.claim())
        auth.assign(slot, to: 4321)
        auth.begin(slot)
        #expect(api.otherPools().map(\.pool) == ["auth"])
        #expect(api.otherPools().first?.processes.map(\.pid) == [4321])
        #expect(api.otherPools().first?.activeProcesses == 1)
        #expect(auth.otherPools().map(\.pool) == ["api"])

        // Not boards, or boards of a master that no longer runs: left out.
        let junk = open(directory + "/junk.scoreboard", O_CREAT | O_WRONLY, 0o600)
        _ = write(junk, "not a board", 11)
        close(junk)
        let orphan = try PoolScoreboard(slots: 1, poolName: "orphan", directory: directory)
        let orphanFile = try #require(orphan.file)
        var deadMaster: Int32 = 4_194_303
        while kill(deadMaster, 0) == 0 || errno != ESRCH { deadMaster -= 1 }
        let descriptor = open(orphanFile, O_WRONLY)
        _ = withUnsafeBytes(of: &deadMaster) { pwrite(descriptor, $0.baseAddress, 4, 20) }  // the header's master_pid
        close(descriptor)
        #expect(api.otherPools().map(\.pool) == ["auth"])

        auth.removeFile()
        #expect(api.otherPools().isEmpty)
    }
}
