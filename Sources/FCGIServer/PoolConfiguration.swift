import AppCore

/// The pool's own settings (`FCGIApp serve`): its size, its socket, the per-request limits the
/// worker loop enforces, and the shared memory the master maps. Read once at start-up, like the
/// application's `AppConfiguration`, from the same environment and `.env`.
public struct PoolConfiguration: Sendable {
    /// `WORKERS`: worker processes in the pool.
    public var workers: Int
    /// `POOL_NAME`: the pool's name on the status page and in its scoreboard file (php-fpm's
    /// `[www]`): 1 to 31 characters of `A-Z a-z 0-9 _ -`.
    public var name: String
    /// `POOL_PRIORITY`: the workers' nice value (php-fpm's `process.priority`): the
    /// password-hashing pool runs above 0, so bcrypt only gets the CPU time the API pool leaves.
    public var priority: Int
    /// `SCOREBOARD_DIR`: a folder where the pool keeps its scoreboard as a file, and where its
    /// status page finds the other pools of this host; nil: an anonymous board, this pool alone
    /// on the page.
    public var scoreboardDirectory: String?
    /// `FCGI_LISTEN`: a unix socket path or `host:port`; nil: inherit fd 0 (spawn-fcgi).
    public var listen: String?
    /// `FCGI_WEB_SERVER_ADDRS`: the web servers a pool listening on TCP answers (IP addresses,
    /// `*` for any); empty: this host's loopback only. Unused on a unix socket.
    public var webServers: FastCGIPeerFilter
    /// `FCGI_SOCKET_MODE`: permission bits of a unix socket the master binds itself.
    public var socketMode: UInt32
    /// `MAX_BODY_SIZE`: the largest accepted request body in bytes; larger ones get 413.
    public var maxBodySize: Int
    /// `MAX_REQUESTS`: a worker exits after this many requests and is replaced (0 = never), like
    /// php-fpm's pm.max_requests.
    public var maxRequests: Int
    /// `SLOW_REQUEST_MILLISECONDS`: requests at least this long count as slow on the status page
    /// and are logged; 0: never.
    public var slowRequestMilliseconds: Int
    /// `REQUEST_TIMEOUT_SECONDS`: the per-request time limit.
    public var requestTimeoutSeconds: Int
    /// `RATE_LIMIT_TABLE_SLOTS`: slots of the pool's shared rate-limit table, one per client
    /// address and limit in use.
    public var rateLimitTableSlots: Int

    /// Reads the settings. Throws the first invalid one.
    public init(_ settings: SettingsReader, processorCount: Int = 1) throws(ConfigurationError) {
        workers = try settings.int("WORKERS", default: Self.defaultWorkers(processorCount: processorCount), range: 1...512)
        name = settings.string("POOL_NAME", default: "www")
        guard (1...31).contains(name.utf8.count), name.utf8.allSatisfy(Self.isPoolNameByte) else {
            throw ConfigurationError(variable: "POOL_NAME", problem: "must be 1 to 31 characters of A-Z a-z 0-9 _ -")
        }
        priority = try settings.int("POOL_PRIORITY", default: 0, range: -20...19)
        scoreboardDirectory = settings.string("SCOREBOARD_DIR").flatMap { $0.isEmpty ? nil : $0 }
        listen = settings.string("FCGI_LISTEN").flatMap { $0.isEmpty ? nil : $0 }
        let webServerList = try settings.list("FCGI_WEB_SERVER_ADDRS", default: [])
        do {
            webServers = try FastCGIPeerFilter(webServerList)
        } catch {
            throw ConfigurationError(
                variable: "FCGI_WEB_SERVER_ADDRS",
                problem: "must list IP addresses (or *), comma-separated (got \"\(error.text.prefix(60))\")")
        }
        let mode = settings.string("FCGI_SOCKET_MODE", default: "0660")
        guard let parsedMode = UInt32(mode, radix: 8), parsedMode <= 0o777 else {
            throw ConfigurationError(variable: "FCGI_SOCKET_MODE", problem: "must be an octal mode such as 0660")
        }
        socketMode = parsedMode
        maxBodySize = try settings.int("MAX_BODY_SIZE", default: 1_048_576, range: 1...1_073_741_824)
        maxRequests = try settings.int("MAX_REQUESTS", default: 0, range: 0...Int.max)
        slowRequestMilliseconds = try settings.int("SLOW_REQUEST_MILLISECONDS", default: 1000, range: 0...3_600_000)
        requestTimeoutSeconds = try settings.int("REQUEST_TIMEOUT_SECONDS", default: 30, range: 1...3600)
        rateLimitTableSlots = try settings.int("RATE_LIMIT_TABLE_SLOTS", default: 65_536, range: 64...16_777_216)
    }

    static func isPoolNameByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
    }

    /// Workers spend much of a request waiting on PostgreSQL, so the pool is larger than the
    /// number of cores: four per core kept both cores busy in `scripts/bench` on this machine.
    public static func defaultWorkers(processorCount: Int) -> Int {
        max(2, 4 * processorCount)
    }
}
