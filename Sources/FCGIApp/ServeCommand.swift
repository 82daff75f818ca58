import AppCore
import FCGIServer
import Glibc
import Handlers
import JobQueue
import Logging
import Startup

/// `FCGIApp serve`: bind or inherit the socket, then run the master and its workers.
enum ServeCommand {
    static func run(
        _ options: CommandLineOptions, configuration: AppConfiguration, pool: PoolConfiguration,
        jobs: EnqueueSettings, logger: Logger
    ) -> Int32 {
        var pool = pool
        if let workers = options.workers { pool.workers = workers }
        if let mode = options.socketMode {
            guard let parsed = UInt32(mode, radix: 8), parsed <= 0o777 else {
                Console.fail("--socket-mode must be an octal mode such as 0660")
                return 64
            }
            pool.socketMode = parsed
        }
        let handedOver = Reexecution.inherited()
        // Checked at the first start only: a re-executed master keeps its workers' sessions and
        // the settings it started with (a reload must never stop a running pool).
        if handedOver == nil, let refusal = checkConnectionBudget(pool, conninfo: configuration.databaseURL, logger: logger) {
            Console.fail(refusal)
            return 78
        }
        let socket: ListenSocket
        var retiring: [Int32] = []
        do {
            if let handedOver {
                // Re-executed on reload: the socket stays the one the old image listened on.
                socket = handedOver.socket
                retiring = handedOver.retiring
            } else if let address = options.listen ?? pool.listen {
                socket = try ListenSocket.bind(address, mode: pool.socketMode)
            } else if let inherited = ListenSocket.inherited() {
                socket = inherited
            } else {
                Console.fail("no socket to listen on: pass --listen ADDRESS, set FCGI_LISTEN, or start under spawn-fcgi")
                return 64
            }
        } catch {
            Console.fail("cannot listen: \(error)")
            return 69
        }
        if let pidFile = options.pidFile, !writePidFile(pidFile) {
            Console.fail("cannot write pid file \(pidFile)")
            return 73
        }
        defer { if let pidFile = options.pidFile { unlink(pidFile) } }
        logger.notice(
            "Listening",
            metadata: [
                "socket": "\(socket.description)", "workers": "\(pool.workers)",
                "pool": "\(pool.name)", "priority": "\(pool.priority)",
            ])
        // A TCP socket answers only the web servers it trusts; a unix socket, whoever its
        // permissions let in.
        let peerFilter = socket.isTCP ? pool.webServers : nil
        if let peerFilter {
            logger.notice("FastCGI peers trusted", metadata: ["FCGI_WEB_SERVER_ADDRS": "\(peerFilter.description)"])
        }

        // Rate-limit counters shared by all workers: mapped before the first fork, so every
        // worker (respawned ones too) inherits the same memory.
        let rateLimits: SharedRateLimitTable
        do {
            rateLimits = try SharedRateLimitTable(slots: pool.rateLimitTableSlots)
        } catch {
            Console.fail("cannot create the rate-limit table: \(error)")
            return 71
        }

        // The status page's scoreboard, also shared: a slot per worker, and as many again for
        // the old generation finishing its requests after a reload.
        let scoreboard: PoolScoreboard
        do {
            scoreboard = try PoolScoreboard(slots: pool.workers * 2, poolName: pool.name, directory: pool.scoreboardDirectory)
        } catch {
            Console.fail("cannot create the scoreboard: \(error)")
            return 71
        }
        defer { scoreboard.removeFile() }

        let frozenPool = pool
        let reexecution = Reexecution(arguments: CommandLine.arguments, socket: socket)
        if reexecution == nil { logger.warning("Executable path unknown: a reload will not pick up a new binary") }
        let manager = ProcessManager(
            poolSize: pool.workers, logger: logger, scoreboard: scoreboard,
            reexecution: reexecution, adopted: retiring
        ) { slot in
            runWorker(
                socket: socket, peerFilter: peerFilter, configuration: configuration, pool: frozenPool, jobs: jobs,
                rateLimits: rateLimits, slot: slot, logger: logger)
        }
        return manager.run()
    }

    /// The body of each forked worker: its own database connection, then the accept loop.
    static func runWorker(
        socket: ListenSocket, peerFilter: FastCGIPeerFilter?, configuration: AppConfiguration,
        pool: PoolConfiguration, jobs: EnqueueSettings, rateLimits: SharedRateLimitTable, slot: WorkerSlot?,
        logger: Logger
    ) -> Int32 {
        // The pool's CPU priority: a nice worker runs when the others leave it time (the
        // password-hashing pool beside the API pool).
        if pool.priority != 0, setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Int32(pool.priority)) != 0 {
            logger.warning(
                "Cannot set the pool's priority",
                metadata: [
                    "priority": "\(pool.priority)", "error": "\(String(cString: strerror(errno)))",
                ])
        }
        let database = Database(conninfo: configuration.databaseURL)
        // The per-request time limit: a statement still running at the limit is cancelled and
        // answered with 504; a request still running at twice the limit ends this worker.
        let requestTimer: RequestTimer?
        do {
            requestTimer = try RequestTimer(limit: .seconds(pool.requestTimeoutSeconds), hardLimit: true)
            requestTimer?.protect(database)
        } catch {
            logger.error("Request time limit unavailable", metadata: ["error": "\(error)"])
            requestTimer = nil
        }
        if let problem = database.warmUp() {
            logger.warning("Database not reachable yet", metadata: ["error": "\(problem)"])
        }
        let context = AppContext(
            configuration: configuration, database: database, logger: logger, jobs: jobs,
            poolStatus: slot?.scoreboard)
        // The access log is info-level: quieter settings (LOG_LEVEL=warning) turn it off.
        let accessLog = logger.logLevel <= .info ? AccessLog() : nil
        // CORS, trusted hosts and the pool-wide rate limit, in the seed's middleware order.
        let policies = PolicyChain.standard(configuration, rateLimiter: SharedRateLimiter(table: rateLimits))
        let application = Application(
            router: Routes.makeRouter(), logger: logger, accessLog: accessLog,
            policies: policies,
            mapError: ErrorMapping.mapper(requestTimeoutSeconds: pool.requestTimeoutSeconds))
        let loop = WorkerLoop(
            socket: socket,
            settings: .init(
                maxBodySize: pool.maxBodySize, maxRequests: pool.maxRequests,
                slowRequestMilliseconds: pool.slowRequestMilliseconds),
            logger: logger, application: application, context: context, requestTimer: requestTimer, slot: slot,
            peerFilter: peerFilter)
        return loop.run()
    }

    /// Each worker holds one PostgreSQL session: the pool does not start when the server has no
    /// room for all of them (README, "Several hosts"). Returns the line to stop with, or nil.
    static func checkConnectionBudget(_ pool: PoolConfiguration, conninfo: String, logger: Logger) -> String? {
        Startup.connectionBudgetRefusal(
            conninfo: conninfo, need: pool.workers, holder: "this pool", reason: "WORKERS=\(pool.workers)", logger: logger)
    }

    static func writePidFile(_ path: String) -> Bool {
        guard let file = fopen(path, "w") else { return false }
        defer { fclose(file) }
        let text = "\(getpid())\n"
        return fputs(text, file) >= 0
    }
}
