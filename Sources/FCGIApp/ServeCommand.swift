import AppCore
import FCGIServer
import Glibc
import Handlers
import Logging

/// `FCGIApp serve`: bind or inherit the socket, then run the master and its workers.
enum ServeCommand {
    static func run(_ options: CommandLineOptions, configuration: AppConfiguration, logger: Logger) -> Int32 {
        var configuration = configuration
        if let workers = options.workers { configuration.workers = workers }
        if let mode = options.socketMode {
            guard let parsed = UInt32(mode, radix: 8), parsed <= 0o777 else {
                Console.fail("--socket-mode must be an octal mode such as 0660")
                return 64
            }
            configuration.socketMode = parsed
        }
        let socket: ListenSocket
        var retiring: [Int32] = []
        do {
            if let handedOver = Reexecution.inherited() {
                // Re-executed on reload: the socket stays the one the old image listened on.
                socket = handedOver.socket
                retiring = handedOver.retiring
            } else if let address = options.listen ?? configuration.listen {
                socket = try ListenSocket.bind(address, mode: configuration.socketMode)
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
        logger.notice("Listening", metadata: ["socket": "\(socket.description)", "workers": "\(configuration.workers)",
                                              "pool": "\(configuration.poolName)", "priority": "\(configuration.poolPriority)"])

        // Rate-limit counters shared by all workers: mapped before the first fork, so every
        // worker (respawned ones too) inherits the same memory.
        let rateLimits: SharedRateLimitTable
        do {
            rateLimits = try SharedRateLimitTable(slots: configuration.rateLimitTableSlots)
        } catch {
            Console.fail("cannot create the rate-limit table: \(error)")
            return 71
        }

        // The status page's scoreboard, also shared: a slot per worker, and as many again for
        // the old generation finishing its requests after a reload.
        let scoreboard: PoolScoreboard
        do {
            scoreboard = try PoolScoreboard(slots: configuration.workers * 2, poolName: configuration.poolName,
                                            directory: configuration.scoreboardDirectory)
        } catch {
            Console.fail("cannot create the scoreboard: \(error)")
            return 71
        }
        defer { scoreboard.removeFile() }

        let frozen = configuration
        let reexecution = Reexecution(arguments: CommandLine.arguments, socket: socket)
        if reexecution == nil { logger.warning("Executable path unknown: a reload will not pick up a new binary") }
        let manager = ProcessManager(poolSize: configuration.workers, logger: logger, scoreboard: scoreboard,
                                     reexecution: reexecution, adopted: retiring) { slot in
            runWorker(socket: socket, configuration: frozen, rateLimits: rateLimits, slot: slot, logger: logger)
        }
        return manager.run()
    }

    /// The body of each forked worker: its own database connection, then the accept loop.
    static func runWorker(socket: ListenSocket, configuration: AppConfiguration, rateLimits: SharedRateLimitTable,
                          slot: WorkerSlot?, logger: Logger) -> Int32 {
        // The pool's CPU priority: a nice worker runs when the others leave it time (the
        // password-hashing pool beside the API pool).
        if configuration.poolPriority != 0, setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, Int32(configuration.poolPriority)) != 0 {
            logger.warning("Cannot set the pool's priority", metadata: [
                "priority": "\(configuration.poolPriority)", "error": "\(String(cString: strerror(errno)))",
            ])
        }
        let database = Database(conninfo: configuration.databaseURL)
        // The per-request time limit: a statement still running at the limit is cancelled and
        // answered with 504; a request still running at twice the limit ends this worker.
        let requestTimer: RequestTimer?
        do {
            requestTimer = try RequestTimer(limit: .seconds(configuration.requestTimeoutSeconds), hardLimit: true)
            requestTimer?.protect(database)
        } catch {
            logger.error("Request time limit unavailable", metadata: ["error": "\(error)"])
            requestTimer = nil
        }
        if let problem = database.warmUp() {
            logger.warning("Database not reachable yet", metadata: ["error": "\(problem)"])
        }
        let context = AppContext(configuration: configuration, database: database, logger: logger,
                                 poolStatus: slot?.scoreboard)
        // The access log is info-level: quieter settings (LOG_LEVEL=warning) turn it off.
        let accessLog = logger.logLevel <= .info ? AccessLog() : nil
        // CORS, trusted hosts and the pool-wide rate limit, in the seed's middleware order.
        let policies = PolicyChain.standard(configuration, rateLimiter: SharedRateLimiter(table: rateLimits))
        let application = Application(router: Routes.makeRouter(), logger: logger, accessLog: accessLog,
                                      policies: policies,
                                      mapError: ErrorMapping.mapper(requestTimeoutSeconds: configuration.requestTimeoutSeconds))
        let loop = WorkerLoop(
            socket: socket,
            settings: .init(maxBodySize: configuration.maxBodySize, maxRequests: configuration.maxRequests,
                            slowRequestMilliseconds: configuration.slowRequestMilliseconds),
            logger: logger, application: application, context: context, requestTimer: requestTimer, slot: slot)
        return loop.run()
    }

    static func writePidFile(_ path: String) -> Bool {
        guard let file = fopen(path, "w") else { return false }
        defer { fclose(file) }
        let text = "\(getpid())\n"
        return fputs(text, file) >= 0
    }
}
