import AppCore

/// The settings of the WebSocket chat daemon, read once at start-up from the same environment
/// and `.env` as the REST API (`AppConfiguration`: `SECRET_KEY`, `DATABASE_URL`, `CORS_ORIGINS`,
/// the token settings, `LOG_LEVEL`, `LOG_FILE`), plus the daemon's own `WS_*` settings.
public struct ChatConfiguration: Sendable {
    /// The API's settings: the daemon checks tokens exactly as the REST API does.
    public var app: AppConfiguration
    /// Where the daemon listens (`WS_LISTEN`): `127.0.0.1:8081` (default) or a unix socket path.
    public var listen: ListenAddress
    /// Event-loop threads (`WS_THREADS`); default one per core.
    public var threads: Int
    /// Largest frame a client may send (`WS_MAX_FRAME_BYTES`); larger → close 1009.
    public var maxFrameBytes: Int
    /// Largest message after its fragments are joined (`WS_MAX_MESSAGE_BYTES`); larger → close 1009.
    public var maxMessageBytes: Int
    /// Bytes that may wait for one slow client beyond what its socket takes
    /// (`WS_SEND_QUEUE_BYTES`); more → the client is dropped.
    public var sendQueueBytes: Int
    /// Seconds between the server's pings (`WS_PING_INTERVAL_SECONDS`); a client that has sent
    /// nothing (not even the pong) by the next ping is dropped. 0 turns heartbeats off.
    public var pingIntervalSeconds: Int
    /// Most messages replayed to a client that joins with `?since=` (`WS_REPLAY_LIMIT`).
    public var replayLimit: Int
    /// Connections this daemon accepts at once (`WS_MAX_CONNECTIONS`); more → 503.
    public var maxConnections: Int
    /// How long a stopping daemon waits for clients to answer its close frame
    /// (`WS_SHUTDOWN_GRACE_SECONDS`).
    public var shutdownGraceSeconds: Int
    /// Messages one connection may send per second on average (`WS_MAX_MESSAGES_PER_SECOND`)
    /// and at once (`WS_MESSAGE_BURST`); faster → an error event, then close 1008. The defaults
    /// are far above what a person types, even pasting, and stop a flooding script at once.
    public var maxMessagesPerSecond: Int
    public var messageBurst: Int

    /// An address the daemon binds.
    public enum ListenAddress: Sendable, Equatable, CustomStringConvertible {
        case tcp(host: String, port: Int)
        case unix(path: String)

        /// `HOST:PORT` (IPv6 as `[::1]:PORT`), or a unix socket path (`/run/chat.sock` or
        /// `unix:/run/chat.sock`).
        public init?(parsing text: String) {
            let text = text.trimmingASCIIWhitespace()
            if text.hasPrefix("unix:") {
                let path = String(text.dropFirst(5))
                guard !path.isEmpty else { return nil }
                self = .unix(path: path)
                return
            }
            if text.hasPrefix("/") || text.hasPrefix("./") {
                self = .unix(path: text)
                return
            }
            guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
                (1...65535).contains(port)
            else { return nil }
            var host = String(text[..<colon])
            if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
            guard !host.isEmpty else { return nil }
            self = .tcp(host: host, port: port)
        }

        public var description: String {
            switch self {
            case .tcp(let host, let port): host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
            case .unix(let path): "unix:\(path)"
            }
        }
    }

    /// Reads the settings; throws the first missing or invalid one (its description is the
    /// one line printed before exiting).
    public init(_ settings: SettingsReader, processorCount: Int = 1) throws(ConfigurationError) {
        app = try AppConfiguration(settings)
        let listenText = settings.string("WS_LISTEN", default: "127.0.0.1:8081")
        guard let address = ListenAddress(parsing: listenText) else {
            throw ConfigurationError(
                variable: "WS_LISTEN",
                problem: "must be HOST:PORT (e.g. 127.0.0.1:8081) or a unix socket path (got \"\(listenText.prefix(60))\")")
        }
        listen = address
        threads = try settings.int("WS_THREADS", default: max(1, processorCount), range: 1...256)
        maxMessageBytes = try settings.int("WS_MAX_MESSAGE_BYTES", default: 65_536, range: 125...16_777_216)
        maxFrameBytes = try settings.int("WS_MAX_FRAME_BYTES", default: maxMessageBytes, range: 125...16_777_216)
        guard maxFrameBytes <= maxMessageBytes else {
            throw ConfigurationError(
                variable: "WS_MAX_FRAME_BYTES",
                problem: "must not exceed WS_MAX_MESSAGE_BYTES (\(maxMessageBytes))")
        }
        sendQueueBytes = try settings.int("WS_SEND_QUEUE_BYTES", default: 1_048_576, range: 1024...1_073_741_824)
        pingIntervalSeconds = try settings.int("WS_PING_INTERVAL_SECONDS", default: 20, range: 0...86_400)
        replayLimit = try settings.int("WS_REPLAY_LIMIT", default: 500, range: 1...100_000)
        maxConnections = try settings.int("WS_MAX_CONNECTIONS", default: 10_000, range: 1...1_000_000)
        shutdownGraceSeconds = try settings.int("WS_SHUTDOWN_GRACE_SECONDS", default: 5, range: 0...300)
        maxMessagesPerSecond = try settings.int("WS_MAX_MESSAGES_PER_SECOND", default: 10, range: 1...100_000)
        messageBurst = try settings.int("WS_MESSAGE_BURST", default: 30, range: 1...1_000_000)
    }
}
