import JSON
/// What the pool's status page shows (`GET /status`), in the shape of php-fpm's status page
/// with `?json` (`?json&full` adds the processes), so that tools written for php-fpm's page
/// read ours. Fields php-fpm has and we do not measure (listen queue, per-request CPU and
/// memory) are left out rather than invented; `worker exits` is ours.
public struct PoolStatus: Sendable, Equatable {
    public struct Process: Sendable, Equatable {
        public var pid: Int
        public var busy: Bool
        /// Requests this worker has served.
        public var requests: UInt64
        /// Unix time in seconds when the master forked it.
        public var startTime: Int64
        /// Microseconds: the request in hand so far while busy, else the last request's.
        public var requestDurationMicroseconds: Int64

        public init(pid: Int, busy: Bool, requests: UInt64, startTime: Int64, requestDurationMicroseconds: Int64) {
            self.pid = pid
            self.busy = busy
            self.requests = requests
            self.startTime = startTime
            self.requestDurationMicroseconds = requestDurationMicroseconds
        }
    }

    public var pool: String
    /// Unix time in seconds when the pool started.
    public var startTime: Int64
    public var acceptedConnections: UInt64
    public var activeProcesses: Int
    public var maxActiveProcesses: Int
    public var slowRequests: UInt64
    public var workerExits: UInt64
    public var processes: [Process]

    public init(
        pool: String, startTime: Int64, acceptedConnections: UInt64, activeProcesses: Int, maxActiveProcesses: Int,
        slowRequests: UInt64, workerExits: UInt64, processes: [Process]
    ) {
        self.pool = pool
        self.startTime = startTime
        self.acceptedConnections = acceptedConnections
        self.activeProcesses = activeProcesses
        self.maxActiveProcesses = maxActiveProcesses
        self.slowRequests = slowRequests
        self.workerExits = workerExits
        self.processes = processes
    }

    /// php-fpm's JSON status at Unix time `now` (seconds); `full` lists the processes. With
    /// `otherPools` (the status page of a host with several pools), `"pools"` follows: this pool
    /// and then each other one, every one an object of the same fields.
    public func json(now: Int64, full: Bool, otherPools: [PoolStatus]? = nil) -> [UInt8] {
        var json = JSONWriter(capacity: 512)
        json.beginObject()
        writeFields(to: &json, now: now, full: full)
        if let otherPools {
            json.key("pools")
            json.beginArray()
            for pool in [self] + otherPools {
                json.beginObject()
                pool.writeFields(to: &json, now: now, full: full)
                json.endObject()
            }
            json.endArray()
        }
        json.endObject()
        return json.bytes
    }

    /// The pool's fields, into an object the caller opened.
    func writeFields(to json: inout JSONWriter, now: Int64, full: Bool) {
        json.key("pool")
        json.value(pool)
        json.key("process manager")
        json.value("static")
        json.key("start time")
        json.value(startTime)
        json.key("start since")
        json.value(max(0, now - startTime))
        json.key("accepted conn")
        json.value(Int64(clamping: acceptedConnections))
        // Busy flags and the process list are read one after the other, not at one instant.
        json.key("idle processes")
        json.value(max(0, processes.count - activeProcesses))
        json.key("active processes")
        json.value(activeProcesses)
        json.key("total processes")
        json.value(processes.count)
        json.key("max active processes")
        json.value(maxActiveProcesses)
        json.key("slow requests")
        json.value(Int64(clamping: slowRequests))
        json.key("worker exits")
        json.value(Int64(clamping: workerExits))
        if full {
            json.key("processes")
            json.beginArray()
            for process in processes {
                json.beginObject()
                json.key("pid")
                json.value(process.pid)
                json.key("state")
                json.value(process.busy ? "Running" : "Idle")
                json.key("start time")
                json.value(process.startTime)
                json.key("start since")
                json.value(max(0, now - process.startTime))
                json.key("requests")
                json.value(Int64(clamping: process.requests))
                json.key("request duration")
                json.value(process.requestDurationMicroseconds)
                json.endObject()
            }
            json.endArray()
        }
    }
}

/// Where the status page reads the pool from (the scoreboard in shared memory, in a pool).
public protocol PoolStatusSource: AnyObject {
    func poolStatus() -> PoolStatus
    /// The other pools of this host the page shows too (none unless they share a scoreboard folder).
    func otherPools() -> [PoolStatus]
}

extension PoolStatusSource {
    public func otherPools() -> [PoolStatus] { [] }
}
