/// Every setting of the server, read once at start-up from the environment and `.env`
/// (names and defaults as the seed's `Settings`, plus ours). The master loads it before forking;
/// workers inherit it. Handlers never read the environment themselves.
public struct AppConfiguration: Sendable {
    // The seed's settings.
    public var appName: String
    public var appVersion: String
    public var debug: Bool
    public var allowedHosts: [String]
    /// libpq connection string derived from `DATABASE_URL`.
    public var databaseURL: String
    public var secretKey: String
    public var algorithm: String
    public var accessTokenExpireMinutes: Int
    public var refreshTokenExpireDays: Int
    public var corsOrigins: [String]

    // Ours.
    public var rateLimitMaxRequests: Int
    public var rateLimitWindowSeconds: Int
    /// Login attempts (`POST /api/v1/auth/token`) allowed per client and window, counted on top
    /// of the general limit.
    public var loginRateLimitMaxRequests: Int
    public var loginRateLimitWindowSeconds: Int
    /// Slots of the pool's shared rate-limit table: one per client address and limit in use.
    public var rateLimitTableSlots: Int
    /// Peers (exact addresses, or `*`) whose `X-Forwarded-For` / `X-Real-IP` name the client;
    /// empty: the client is always `REMOTE_ADDR`.
    public var trustedProxies: [String]
    public var mailURL: String
    public var mailFrom: String
    /// Tries of each job enqueued by the API, the first included (seed: Celery's 3 retries → 4).
    public var jobMaxAttempts: Int
    /// Number of worker processes in the pool.
    public var workers: Int
    /// The pool's name on the status page and in its scoreboard file (php-fpm's `[www]`): 1 to
    /// 31 characters of `A-Z a-z 0-9 _ -`.
    public var poolName: String
    /// The workers' nice value (php-fpm's `process.priority`): the password-hashing pool runs
    /// above 0, so bcrypt only gets the CPU time the API pool leaves.
    public var poolPriority: Int
    /// A folder where the pool keeps its scoreboard as a file, and where its status page finds
    /// the other pools of this host; nil: an anonymous board, this pool alone on the page.
    public var scoreboardDirectory: String?
    /// Unix socket path or `host:port`; nil means "inherit fd 0 (spawn-fcgi)".
    public var listen: String?
    /// Permission bits of a unix socket the master binds itself.
    public var socketMode: UInt32
    /// Largest accepted request body in bytes; larger ones get 413.
    public var maxBodySize: Int
    /// A worker exits after this many requests and is replaced (0 = never), like php-fpm's pm.max_requests.
    public var maxRequests: Int
    /// Requests at least this long count as slow on the status page and are logged; 0: never.
    public var slowRequestMilliseconds: Int
    /// Per-request time limit in seconds.
    public var requestTimeoutSeconds: Int
    /// Time limit of the statement that counts and pages a list's `search=` matches; a search
    /// matching most of a large table is answered 504 when it passes.
    public var searchTimeoutMilliseconds: Int
    public var logLevel: String
    public var logFile: String?
    /// bcrypt cost of new password hashes (passlib's default is 12).
    public var bcryptCost: Int
    /// Where `/docs` and `/redoc` load Swagger UI and ReDoc from (a folder URL holding
    /// swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js, favicon.png); nil: FastAPI's CDN.
    public var docsAssetsURL: String?
    /// The folder of `GET /api/v1/download/{file_id}` (`{id}.pdf`); nginx's internal `/_files/`
    /// location must name the same folder.
    public var filesDirectory: String

    /// Reads the settings. Throws the first missing or invalid one.
    ///
    /// - Parameters:
    ///   - releaseVersion: the version built into the executable, `APP_VERSION` when the
    ///     environment does not set one (FCGIApp passes its `Release.version`).
    public init(_ settings: SettingsReader, processorCount: Int = 1, releaseVersion: String = "1.0.0") throws(ConfigurationError) {
        appName = settings.string("APP_NAME", default: "MyAPI")
        appVersion = settings.string("APP_VERSION", default: releaseVersion)
        debug = try settings.bool("DEBUG", default: false)
        allowedHosts = try settings.list("ALLOWED_HOSTS", default: ["*"])
        if let pattern = allowedHosts.first(where: { !TrustedHostPolicy.isValidPattern($0) }) {
            throw ConfigurationError(variable: "ALLOWED_HOSTS",
                                     problem: "a wildcard may only start a pattern, as in *.example.com (got \"\(pattern)\")")
        }
        databaseURL = try DatabaseURL.libpqConnectionString(
            settings.string("DATABASE_URL", default: "postgresql+asyncpg://user:pass@localhost/mydb"))
        secretKey = try settings.requiredString("SECRET_KEY")
        algorithm = settings.string("ALGORITHM", default: "HS256")
        guard algorithm == "HS256" else {
            throw ConfigurationError(variable: "ALGORITHM", problem: "must be HS256 (got \(algorithm))")
        }
        accessTokenExpireMinutes = try settings.int("ACCESS_TOKEN_EXPIRE_MINUTES", default: 30, range: 1...525_600)
        refreshTokenExpireDays = try settings.int("REFRESH_TOKEN_EXPIRE_DAYS", default: 7, range: 1...3650)
        corsOrigins = try settings.list("CORS_ORIGINS", default: ["http://localhost:3000"])
        rateLimitMaxRequests = try settings.int("RATE_LIMIT_MAX_REQUESTS", default: 100, range: 1...1_000_000_000)
        rateLimitWindowSeconds = try settings.int("RATE_LIMIT_WINDOW_SECONDS", default: 60, range: 1...86_400)
        loginRateLimitMaxRequests = try settings.int("LOGIN_RATE_LIMIT_MAX_REQUESTS", default: 10, range: 1...1_000_000_000)
        loginRateLimitWindowSeconds = try settings.int("LOGIN_RATE_LIMIT_WINDOW_SECONDS", default: 60, range: 1...86_400)
        rateLimitTableSlots = try settings.int("RATE_LIMIT_TABLE_SLOTS", default: 65_536, range: 64...16_777_216)
        trustedProxies = try settings.list("TRUSTED_PROXIES", default: [])
        mailURL = settings.string("MAIL_URL", default: "maildir:./.data/mail")
        mailFrom = settings.string("MAIL_FROM", default: "noreply@example.com")
        jobMaxAttempts = try settings.int("JOB_MAX_ATTEMPTS", default: 4, range: 1...100)
        workers = try settings.int("WORKERS", default: Self.defaultWorkers(processorCount: processorCount), range: 1...512)
        poolName = settings.string("POOL_NAME", default: "www")
        guard (1...31).contains(poolName.utf8.count), poolName.utf8.allSatisfy(Self.isPoolNameByte) else {
            throw ConfigurationError(variable: "POOL_NAME", problem: "must be 1 to 31 characters of A-Z a-z 0-9 _ -")
        }
        poolPriority = try settings.int("POOL_PRIORITY", default: 0, range: -20...19)
        scoreboardDirectory = settings.string("SCOREBOARD_DIR").flatMap { $0.isEmpty ? nil : $0 }
        listen = settings.string("FCGI_LISTEN").flatMap { $0.isEmpty ? nil : $0 }
        let mode = settings.string("FCGI_SOCKET_MODE", default: "0660")
        guard let parsedMode = UInt32(mode, radix: 8), parsedMode <= 0o777 else {
            throw ConfigurationError(variable: "FCGI_SOCKET_MODE", problem: "must be an octal mode such as 0660")
        }
        socketMode = parsedMode
        maxBodySize = try settings.int("MAX_BODY_SIZE", default: 1_048_576, range: 1...1_073_741_824)
        maxRequests = try settings.int("MAX_REQUESTS", default: 0, range: 0...Int.max)
        slowRequestMilliseconds = try settings.int("SLOW_REQUEST_MILLISECONDS", default: 1000, range: 0...3_600_000)
        requestTimeoutSeconds = try settings.int("REQUEST_TIMEOUT_SECONDS", default: 30, range: 1...3600)
        searchTimeoutMilliseconds = try settings.int("SEARCH_TIMEOUT_MILLISECONDS", default: 2000, range: 1...3_600_000)
        logLevel = settings.string("LOG_LEVEL", default: debug ? "debug" : "info").lowercased()
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ConfigurationError(variable: "LOG_LEVEL", problem: "must be one of trace, debug, info, notice, warning, error, critical")
        }
        logFile = settings.string("LOG_FILE").flatMap { $0.isEmpty ? nil : $0 }
        bcryptCost = try settings.int("BCRYPT_COST", default: 12, range: 4...31)
        docsAssetsURL = settings.string("DOCS_ASSETS_URL").flatMap { $0.isEmpty ? nil : $0 }
        filesDirectory = settings.string("FILES_DIR", default: "./.data/files")
        if filesDirectory.isEmpty { throw ConfigurationError(variable: "FILES_DIR", problem: "must name a folder") }
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
