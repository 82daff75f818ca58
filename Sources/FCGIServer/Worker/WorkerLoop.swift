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
        /// Requests taking this long or longer are counted slow on the scoreboard and logged
        /// (php-fpm's `request_slowlog_timeout`); 0: never.
        public var slowRequestMilliseconds: Int

        public init(maxBodySize: Int, maxRequests: Int, slowRequestMilliseconds: Int = 0) {
            self.maxBodySize = maxBodySize
            self.maxRequests = maxRequests
            self.slowRequestMilliseconds = slowRequestMilliseconds
        }
    }

    let socket: ListenSocket
    let settings: Settings
    let logger: Logger
    let application: Application<Context>
    let context: Context
    let requestTimer: RequestTimer?
    let slot: WorkerSlot?
    let peerFilter: FastCGIPeerFilter?

    /// - Parameters:
    ///   - requestTimer: the per-request time limit, created in this process (the worker)
    ///     before `run`; nil for none.
    ///   - slot: this worker's place on the pool's scoreboard, nil outside a pool.
    ///   - peerFilter: the web servers a TCP socket answers (`FCGI_WEB_SERVER_ADDRS`); nil for a
    ///     unix socket.
    public init(
        socket: ListenSocket, settings: Settings, logger: Logger,
        application: Application<Context>, context: Context, requestTimer: RequestTimer? = nil,
        slot: WorkerSlot? = nil, peerFilter: FastCGIPeerFilter? = nil
    ) {
        self.socket = socket
        self.settings = settings
        self.logger = logger
        self.application = application
        self.context = context
        self.requestTimer = requestTimer
        self.slot = slot
        self.peerFilter = peerFilter
    }

    /// Serves until stopped; returns the process exit code. A worker told to stop (SIGQUIT) or
    /// done with `maxRequests` takes no new connection, answers what comes on the connections
    /// nginx keeps open to it, and ends once nginx has closed them all (see `FastCGIConnection`).
    public func run() -> Int32 {
        guard FastCGIConnection.initializeLibrary() else {
            logger.critical("FCGX_Init failed")
            return 70
        }
        CPrefork_install_worker_signals(socket.fileDescriptor)
        CPrefork_block_stop_signal()
        let connection = FastCGIConnection(listenFileDescriptor: socket.fileDescriptor, peerFilter: peerFilter)
        var served = 0
        while true {
            if connection.isAccepting, CPrefork_worker_stop_requested() != 0 || recycles(after: served) {
                connection.stopAccepting()
            }
            if !connection.isAccepting, connection.keptConnections.isEmpty { break }
            switch connection.accept() {
            case .accepted:
                slot.map { $0.scoreboard.begin($0.index) }
                let requestID = serve(connection)
                connection.finish()
                served += 1
                if let slot { recordEnd(on: slot, requestID: requestID) }
            case .interrupted, .dropped, .closed:
                continue
            case .refused(let peer):
                logger.warning(
                    "FastCGI connection refused",
                    metadata: [
                        "peer": "\(peer)", "trusted": "\(peerFilter.map(\.description) ?? "")",
                    ])
            case .failed(let code):
                // SIGQUIT took the listening socket away from this worker: it stops taking
                // connections (at the top of the loop).
                if CPrefork_worker_stop_requested() != 0 { continue }
                logger.error("Accept failed", metadata: ["error": "\(String(cString: strerror(code)))"])
                usleep(100_000)  // do not spin on a broken socket
            }
        }
        return 0
    }

    /// True once this worker has served its `maxRequests` (logged once, when it stops taking
    /// connections).
    func recycles(after served: Int) -> Bool {
        guard settings.maxRequests > 0, served >= settings.maxRequests else { return false }
        logger.info("Worker recycled", metadata: ["requests": "\(served)"])
        return true
    }

    /// Marks this worker idle again; a slow request is counted there and logged.
    func recordEnd(on slot: WorkerSlot, requestID: String) {
        let slowMicroseconds = Int64(settings.slowRequestMilliseconds) * 1000
        let duration = slot.scoreboard.end(slot.index, slowMicroseconds: slowMicroseconds)
        if slowMicroseconds > 0, duration >= slowMicroseconds {
            logger.warning(
                "Slow request",
                metadata: [
                    "request.id": "\(requestID)", "duration_ms": "\(duration / 1000)",
                    "threshold_ms": "\(settings.slowRequestMilliseconds)",
                ])
        }
    }

    /// Answers one accepted request; returns its request id.
    @discardableResult
    func serve(_ connection: FastCGIConnection) -> String {
        let params = connection.params()
        let length = params.declaredBodyLength
        if let length, length > settings.maxBodySize {
            _ = connection.readBody(expectedLength: nil, limit: 0)
        } else if let body = connection.readBody(expectedLength: length, limit: settings.maxBodySize) {
            let request = params.request(body: body)
            // The time limit covers the handler and the sending of its answer (a stream too).
            requestTimer?.begin()
            let response = application.respond(to: request, context: context)
            send(response, includeBody: request.method != "HEAD", on: connection, requestID: request.id)
            // A 504 was logged by the application already; a request that ran over without
            // meeting the cancel (busy in Swift code) answered late, which is logged here.
            if let requestTimer, requestTimer.end(), response.status != .gatewayTimeout {
                logger.warning(
                    "Request answered after its time limit",
                    metadata: [
                        "request.id": "\(request.id)", "limit.ms": "\(requestTimer.limitMilliseconds)",
                        "status": "\(response.status.code)",
                    ])
            }
            return request.id
        }
        let request = params.request(body: [])
        let response = application.reject(request, with: HTTPError(.contentTooLarge, .bodyTooLarge))
        connection.write(ResponseEncoding.encode(response, includeBody: params.method != "HEAD"))
        return request.id
    }

    /// Writes a response: a complete one in one write (the common, fast path), a streamed one
    /// as its head and then each piece the stream writes, flushed at once. A stream stops at
    /// the first write that fails (the client went away: nginx closed the connection) or once
    /// the request is over its time limit; the request is then finished as usual.
    func send(_ response: Response, includeBody: Bool, on connection: FastCGIConnection, requestID: String) {
        guard let stream = response.stream else {
            connection.write(ResponseEncoding.encode(response, includeBody: includeBody))
            return
        }
        guard connection.writeAndFlush(ResponseEncoding.encodeStreamHead(response)) else {
            logger.info("Stream not sent: client gone", metadata: ["request.id": "\(requestID)"])
            return
        }
        guard includeBody else { return }
        let timer = requestTimer
        let writer = ResponseBodyWriter { bytes in
            if let timer, timer.hasFired { return false }
            return connection.writeAndFlush(bytes)
        }
        stream.run(into: writer)
        if !writer.isOpen {
            let reason = (requestTimer?.hasFired ?? false) ? "time limit" : "client gone"
            logger.info(
                "Stream stopped early",
                metadata: [
                    "request.id": "\(requestID)", "reason": "\(reason)", "bytes": "\(writer.bytesWritten)",
                ])
        }
    }
}
