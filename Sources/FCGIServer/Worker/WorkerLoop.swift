import AppCore
import CPrefork
import Glibc
import Logging

/// The life of one worker process: accept a FastCGI request, answer it, repeat — one at a
/// time, single-threaded — until told to stop (SIGQUIT: after the request in hand), until
/// `maxRequests` are served (then the master starts a fresh worker), or until killed.
public struct WorkerLoop<Context> {
    public struct Settings: Sendable {
        public var maxBodySize: Int
        public var maxRequests: Int

        public init(maxBodySize: Int, maxRequests: Int) {
            self.maxBodySize = maxBodySize
            self.maxRequests = maxRequests
        }
    }

    let socket: ListenSocket
    let settings: Settings
    let logger: Logger
    let application: Application<Context>
    let context: Context

    public init(socket: ListenSocket, settings: Settings, logger: Logger,
                application: Application<Context>, context: Context) {
        self.socket = socket
        self.settings = settings
        self.logger = logger
        self.application = application
        self.context = context
    }

    /// Serves until stopped; returns the process exit code.
    public func run() -> Int32 {
        guard FastCGIConnection.initializeLibrary() else {
            logger.critical("FCGX_Init failed")
            return 70
        }
        CPrefork_install_worker_signals(FastCGIConnection.shutdownHook)
        let connection = FastCGIConnection(listenFileDescriptor: socket.fileDescriptor)
        var served = 0
        while CPrefork_worker_stop_requested() == 0 {
            if settings.maxRequests > 0, served >= settings.maxRequests {
                logger.info("Worker recycled", metadata: ["requests": "\(served)"])
                break
            }
            switch connection.accept() {
            case .accepted:
                serve(connection)
                connection.finish()
                served += 1
            case .interrupted:
                continue
            case .failed(let code):
                logger.error("Accept failed", metadata: ["error": "\(String(cString: strerror(code)))"])
                usleep(100_000)  // do not spin on a broken socket
            }
        }
        return 0
    }

    func serve(_ connection: FastCGIConnection) {
        let params = connection.params()
        let length = params.declaredBodyLength
        let response: Response
        var method = params.method
        if let length, length > settings.maxBodySize {
            _ = connection.readBody(expectedLength: nil, limit: 0)
            response = application.reject(params.request(body: []), with: HTTPError(.contentTooLarge, .bodyTooLarge))
        } else if let body = connection.readBody(expectedLength: length, limit: settings.maxBodySize) {
            let request = params.request(body: body)
            method = request.method
            response = application.respond(to: request, context: context)
        } else {
            response = application.reject(params.request(body: []), with: HTTPError(.contentTooLarge, .bodyTooLarge))
        }
        connection.write(ResponseEncoding.encode(response, includeBody: method != "HEAD"))
    }
}
