import CPrefork
import Glibc
import Logging
import Startup

/// The master process: forks a fixed pool of workers on one listening socket, respawns any that
/// die, and stops or reloads the pool on signals. Like php-fpm's master it never serves requests
/// and stays single-threaded (fork is only safe while no other thread exists).
///
/// Signals: SIGTERM/SIGINT stop now, SIGQUIT stops gracefully, SIGUSR2 reloads (new workers
/// start, old ones finish their request; with `reexecution`, the master first re-executes the
/// binary on disk, see `Reexecution`), SIGUSR1 reopens LOG_FILE in the master and every
/// worker, SIGCHLD reaps.
public struct ProcessManager {
    let poolSize: Int
    let logger: Logger
    let timing: PoolStateMachine.Timing
    /// The status page's scoreboard: each worker gets a slot at fork, freed when it is reaped.
    let scoreboard: PoolScoreboard?
    /// Which slot each live worker holds (the master's own bookkeeping).
    private let slots = SlotLedger()
    /// What a freshly forked worker runs, given its scoreboard slot; its result is the worker's
    /// exit code.
    let runWorker: (WorkerSlot?) -> Int32
    /// How SIGUSR2 re-executes the master; nil: it reloads the workers in place.
    let reexecution: Reexecution?
    /// Workers of the image before a re-exec, to retire once this image's own workers run.
    let adopted: [Int32]

    public init(
        poolSize: Int, logger: Logger, timing: PoolStateMachine.Timing = .init(), scoreboard: PoolScoreboard? = nil,
        reexecution: Reexecution? = nil, adopted: [Int32] = [],
        runWorker: @escaping (WorkerSlot?) -> Int32
    ) {
        self.poolSize = poolSize
        self.logger = logger
        self.timing = timing
        self.scoreboard = scoreboard
        self.reexecution = reexecution
        self.adopted = adopted
        self.runWorker = runWorker
    }

    /// Runs the pool until it is stopped; returns the master's exit code.
    public func run() -> Int32 {
        let signals: SignalPipe
        do {
            signals = try SignalPipe.install(Self.handledSignals)
        } catch {
            logger.critical("Cannot install signal handlers", metadata: ["error": "\(error)"])
            return 71
        }
        CPrefork_set_name("fcgiapp-master")
        var machine = PoolStateMachine(poolSize: poolSize, timing: timing, reexecOnReload: reexecution != nil)
        logger.notice("Pool starting", metadata: ["workers": "\(poolSize)", "retiring": "\(adopted.count)"])
        if let code = perform(machine.handle(.start, now: Self.now()), machine: &machine) { return code }
        if let code = perform(machine.handle(.adopt(pids: adopted), now: Self.now()), machine: &machine) { return code }

        while true {
            var descriptor = pollfd(fd: signals.fileDescriptor, events: Int16(POLLIN), revents: 0)
            _ = poll(&descriptor, 1, 250)
            var events: [PoolStateMachine.Event] = []
            while let signal = signals.next() {
                switch signal {
                case SIGTERM, SIGINT:
                    logger.notice("Stopping pool now")
                    events.append(.terminate)
                case SIGQUIT:
                    logger.notice("Stopping pool gracefully")
                    events.append(.quit)
                case SIGUSR2:
                    logger.notice("Reloading pool")
                    events.append(.reload)
                case SIGUSR1:
                    reopenLog()
                    events.append(.reopenLogs)
                default:
                    break  // SIGCHLD: reaped below on every pass anyway
                }
            }
            let exits = reapChildren()
            for case .workerExited(let pid, _) in exits {
                // Counted when the pool goes on serving: crashes, kills, recycling, reloads.
                slots.release(pid, on: scoreboard, countingExit: machine.phase == .running)
            }
            events.append(contentsOf: exits)
            events.append(.tick)
            for event in events {
                if let code = perform(machine.handle(event, now: Self.now()), machine: &machine) { return code }
            }
        }
    }

    /// The master's signals: SIGTERM/SIGINT stop now, SIGQUIT stops gracefully, SIGUSR2
    /// reloads, SIGUSR1 reopens LOG_FILE, SIGCHLD wakes the loop to reap.
    static let handledSignals: [Int32] = [SIGTERM, SIGINT, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2]

    /// Opens LOG_FILE anew (after logrotate renamed it); the workers follow on SIGUSR1.
    func reopenLog() {
        switch LogFile.reopen() {
        case .reopened: logger.notice("Log file reopened")
        case .noFile: break  // logging to stderr, nothing to reopen
        case .failed(let problem): logger.error("Cannot reopen the log file", metadata: ["error": "\(problem)"])
        }
    }

    /// Collects every exited child without blocking.
    func reapChildren() -> [PoolStateMachine.Event] {
        var events: [PoolStateMachine.Event] = []
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            if pid <= 0 { break }
            let reason = ExitReason(waitStatus: status)
            let level: Logger.Level = reason == .exited(code: 0) ? .info : .warning
            logger.log(level: level, "Worker ended", metadata: ["child.pid": "\(pid)", "reason": "\(reason)"])
            events.append(.workerExited(pid: pid, reason: reason))
        }
        return events
    }

    /// Carries out actions; returns an exit code when the master should end.
    func perform(_ actions: [PoolStateMachine.Action], machine: inout PoolStateMachine) -> Int32? {
        for action in actions {
            switch action {
            case .spawnWorker:
                let pid = spawn()
                let event: PoolStateMachine.Event = pid > 0 ? .workerStarted(pid: pid) : .spawnFailed
                if pid <= 0 {
                    logger.error("Cannot fork a worker", metadata: ["error": "\(String(cString: strerror(errno)))"])
                }
                if let code = perform(machine.handle(event, now: Self.now()), machine: &machine) { return code }
            case .signal(let pid, let signal):
                kill(pid, signal)
            case .reexecute(let workers):
                guard let reexecution else { continue }
                logger.notice(
                    "Re-executing the master", metadata: ["binary": "\(reexecution.executable)", "workers": "\(workers.count)"])
                let problem =
                    reexecution.checkNewBinary().map { "check failed: \($0)" }
                    ?? reexecution.execute(retiring: workers)
                // Only reached when the new image did not take over.
                logger.error(
                    "Cannot re-execute the master; reloading the workers in place",
                    metadata: [
                        "binary": "\(reexecution.executable)", "error": "\(problem)",
                    ])
                if let code = perform(machine.handle(.reexecFailed, now: Self.now()), machine: &machine) { return code }
            case .exit(let code):
                logger.notice("Pool stopped")
                return code
            }
        }
        return nil
    }

    /// Forks one worker. Signals stay blocked around fork so the child cannot run the master's
    /// handlers before it resets them.
    func spawn() -> pid_t {
        let master = getpid()
        let slot = scoreboard.flatMap { board in board.claim().map { WorkerSlot(scoreboard: board, index: $0) } }
        if scoreboard != nil, slot == nil { logger.warning("Scoreboard full: a worker runs without a slot") }
        SignalPipe.block(true)
        defer { SignalPipe.block(false) }
        let pid = fork()
        if pid == 0 {
            guard CPrefork_init_child(master) == 0 else { _exit(72) }
            CPrefork_set_name("fcgiapp-worker")
            exit(runWorker(slot))
        }
        if let slot {
            if pid > 0 {
                slot.scoreboard.assign(slot.index, to: pid)
                slots.record(pid, slot: slot.index)
            } else {
                slot.scoreboard.release(slot.index, countingExit: false)
            }
        }
        return pid
    }

    static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000
    }
}

/// The master's record of which scoreboard slot each live worker holds.
final class SlotLedger {
    private var slotOfWorker: [pid_t: Int32] = [:]

    func record(_ pid: pid_t, slot: Int32) { slotOfWorker[pid] = slot }

    /// Frees the slot of a reaped worker.
    func release(_ pid: pid_t, on scoreboard: PoolScoreboard?, countingExit: Bool) {
        guard let slot = slotOfWorker.removeValue(forKey: pid) else { return }
        scoreboard?.release(slot, countingExit: countingExit)
    }
}
