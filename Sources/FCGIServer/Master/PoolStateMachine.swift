import Glibc

/// The master's decisions, kept free of system calls so they can be tested without forking
/// (php-fpm's `fpm_process_ctl` state machine plays the same part). The process manager feeds
/// it events with the current monotonic time in milliseconds and carries out the actions.
public struct PoolStateMachine: Sendable {
    public enum Phase: Sendable, Equatable {
        case running
        /// Stopping; `graceful` lets workers finish the request in hand. Past the deadline the
        /// stop escalates: SIGQUIT → SIGTERM → SIGKILL.
        case stopping(graceful: Bool, deadline: Int64)
    }

    public enum Event: Sendable, Equatable {
        case start
        case workerStarted(pid: Int32)
        case spawnFailed
        case workerExited(pid: Int32, reason: ExitReason)
        case terminate  // SIGTERM, SIGINT
        case quit  // SIGQUIT
        case reload  // SIGUSR2: new workers, old ones finish their request
        /// The new binary could not be executed (or failed its check): reload in place instead.
        case reexecFailed
        /// Workers of the image before a re-exec, still serving their last request: retired
        /// now that this image has started its own.
        case adopt(pids: [Int32])
        case reopenLogs  // SIGUSR1: the master reopened LOG_FILE; the workers must too
        case tick
    }

    public enum Action: Sendable, Equatable {
        case spawnWorker
        case signal(pid: Int32, signal: Int32)
        /// Replace the master's image with the binary on disk (php-fpm's re-exec on reload),
        /// keeping the listening socket; `workers` go on serving and are handed to the new image.
        case reexecute(workers: [Int32])
        case exit(code: Int32)
    }

    public struct Timing: Sendable {
        /// How long graceful stops wait for requests in hand.
        public var gracefulTimeout: Int64 = 30_000
        /// How long SIGTERM gets before SIGKILL.
        public var terminateTimeout: Int64 = 3_000
        /// A worker that dies sooner than this after its start counts as a crash loop.
        public var quickDeath: Int64 = 1_000
        /// The longest wait between respawns in a crash loop.
        public var maximumBackoff: Int64 = 5_000

        public init() {}
    }

    public let poolSize: Int
    public let timing: Timing
    /// SIGUSR2 re-executes the master (so a binary replaced on disk takes over) rather than only
    /// forking a new generation of workers from the running image.
    public let reexecOnReload: Bool
    public private(set) var phase: Phase = .running
    /// Current workers and when each started.
    public private(set) var workers: [Int32: Int64] = [:]
    /// Workers of an older generation finishing their request after a reload.
    public private(set) var retiring: [Int32: Int64] = [:]
    /// Workers to start as soon as the backoff allows.
    public private(set) var missing = 0
    public private(set) var respawnNotBefore: Int64 = 0
    /// When retiring workers get SIGTERM if they are still busy.
    public private(set) var retireDeadline: Int64? = nil
    private var quickDeaths = 0

    public init(poolSize: Int, timing: Timing = Timing(), reexecOnReload: Bool = false) {
        self.poolSize = poolSize
        self.timing = timing
        self.reexecOnReload = reexecOnReload
    }

    public mutating func handle(_ event: Event, now: Int64) -> [Action] {
        switch event {
        case .start:
            missing = poolSize
            return spawnDue(now)
        case .workerStarted(let pid):
            workers[pid] = now
            return []
        case .spawnFailed:
            missing += 1
            respawnNotBefore = now + 1_000
            return []
        case .workerExited(let pid, let reason):
            return workerExited(pid, reason: reason, now: now)
        case .terminate:
            return beginStop(graceful: false, now: now)
        case .quit:
            return beginStop(graceful: true, now: now)
        case .reload:
            guard phase == .running else { return [] }
            if reexecOnReload {
                // The old workers keep accepting until the new image has forked its own.
                return [.reexecute(workers: (Array(workers.keys) + Array(retiring.keys)).sorted())]
            }
            return reloadInPlace(now)
        case .reexecFailed:
            guard phase == .running else { return [] }
            return reloadInPlace(now)
        case .adopt(let pids):
            guard phase == .running, !pids.isEmpty else { return [] }
            for pid in pids { retiring[pid] = now }
            retireDeadline = now + timing.gracefulTimeout
            return pids.sorted().map { .signal(pid: $0, signal: SIGQUIT) }
        case .reopenLogs:
            return (Array(workers.keys) + Array(retiring.keys)).sorted().map { .signal(pid: $0, signal: SIGUSR1) }
        case .tick:
            return tick(now)
        }
    }

    /// A new generation from the running image; the old one finishes its requests (SIGQUIT).
    mutating func reloadInPlace(_ now: Int64) -> [Action] {
        var actions: [Action] = []
        for (pid, started) in workers.sorted(by: { $0.key < $1.key }) {
            retiring[pid] = started
            actions.append(.signal(pid: pid, signal: SIGQUIT))
        }
        workers = [:]
        retireDeadline = now + timing.gracefulTimeout
        missing = poolSize
        quickDeaths = 0
        respawnNotBefore = 0
        return actions + spawnDue(now)
    }

    mutating func workerExited(_ pid: Int32, reason: ExitReason, now: Int64) -> [Action] {
        if let started = workers.removeValue(forKey: pid) {
            if case .running = phase {
                missing += 1
                // Expected exits (recycling after max_requests) never count as a crash loop.
                let crashed = reason != .exited(code: 0)
                if crashed && now - started < timing.quickDeath {
                    quickDeaths += 1
                } else {
                    quickDeaths = 0
                }
                if quickDeaths >= 3 {
                    let backoff = min(timing.maximumBackoff, Int64(100) << min(quickDeaths - 3, 6))
                    respawnNotBefore = now + backoff
                }
                return spawnDue(now)
            }
        } else {
            retiring.removeValue(forKey: pid)
        }
        if case .stopping = phase, workers.isEmpty, retiring.isEmpty {
            return [.exit(code: 0)]
        }
        return []
    }

    mutating func beginStop(graceful: Bool, now: Int64) -> [Action] {
        if case .stopping(let wasGraceful, _) = phase, !wasGraceful || graceful {
            return []  // already stopping at least as hard
        }
        missing = 0
        let signal = graceful ? SIGQUIT : SIGTERM
        phase = .stopping(graceful: graceful, deadline: now + (graceful ? timing.gracefulTimeout : timing.terminateTimeout))
        let all = Array(workers.keys) + Array(retiring.keys)
        if all.isEmpty { return [.exit(code: 0)] }
        return all.sorted().map { .signal(pid: $0, signal: signal) }
    }

    mutating func tick(_ now: Int64) -> [Action] {
        switch phase {
        case .running:
            var actions: [Action] = []
            // The old generation is past its graceful time limit after a reload.
            if let deadline = retireDeadline, now >= deadline {
                retireDeadline = nil
                actions = retiring.keys.sorted().map { .signal(pid: $0, signal: SIGTERM) }
            }
            return actions + spawnDue(now)
        case .stopping(let graceful, let deadline):
            guard now >= deadline else { return [] }
            let all = (Array(workers.keys) + Array(retiring.keys)).sorted()
            if graceful {
                phase = .stopping(graceful: false, deadline: now + timing.terminateTimeout)
                return all.map { .signal(pid: $0, signal: SIGTERM) }
            }
            phase = .stopping(graceful: false, deadline: now + timing.terminateTimeout)
            return all.map { .signal(pid: $0, signal: SIGKILL) }
        }
    }

    mutating func spawnDue(_ now: Int64) -> [Action] {
        guard case .running = phase, missing > 0, now >= respawnNotBefore else { return [] }
        let count = missing
        missing = 0
        return Array(repeating: .spawnWorker, count: count)
    }
}
