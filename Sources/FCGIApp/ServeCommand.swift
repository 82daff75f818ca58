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
        do {
            if let address = options.listen ?? configuration.listen {
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
        logger.notice("Listening", metadata: ["socket": "\(socket.description)", "workers": "\(configuration.workers)"])

        let frozen = configuration
        let manager = ProcessManager(poolSize: configuration.workers, logger: logger) {
            runWorker(socket: socket, configuration: frozen, logger: logger)
        }
        return manager.run()
    }

    /// The body of each forked worker: its own database connection, then the accept loop.
    static func runWorker(socket: ListenSocket, configuration: AppConfiguration, logger: Logger) -> Int32 {
        let database = Database(conninfo: configuration.databaseURL)
        if let problem = database.warmUp() {
            logger.warning("Database not reachable yet", metadata: ["error": "\(problem)"])
        }
        let context = AppContext(configuration: configuration, database: database, logger: logger)
        // The access log is info-level: quieter settings (LOG_LEVEL=warning) turn it off.
        let accessLog = logger.logLevel <= .info ? AccessLog() : nil
        let application = Application(router: Routes.makeRouter(), logger: logger, accessLog: accessLog,
                                      mapError: ErrorMapping.map)
        let loop = WorkerLoop(
            socket: socket,
            settings: .init(maxBodySize: configuration.maxBodySize, maxRequests: configuration.maxRequests),
            logger: logger, application: application, context: context)
        return loop.run()
    }

    static func writePidFile(_ path: String) -> Bool {
        guard let file = fopen(path, "w") else { return false }
        defer { fclose(file) }
        let text = "\(getpid())\n"
        return fputs(text, file) >= 0
    }
}
