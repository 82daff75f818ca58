/// The application's settings, read once at start-up from the environment and `.env` (names
/// and defaults as the seed's `Settings`, plus ours): what the policies and the handlers read.
/// The pool's own settings are `FCGIServer.PoolConfiguration`, the job runner's
/// `RunnerConfiguration`, the chat daemon's `ChatConfiguration`. The master loads them before
/// forking; workers inherit them. Handlers never read the environment themselves.
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
    /// Peers (exact addresses, or `*`) whose `X-Forwarded-For` / `X-Real-IP` name the client;
    /// empty: the client is always `REMOTE_ADDR`.
    public var trustedProxies: [String]
    /// `SEARCH_TIMEOUT_MILLISECONDS`: time limit of the statement that counts and pages a list's
    /// `search=` matches; a search matching most of a large table is answered 504 when it passes.
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
    public init(_ settings: SettingsReader, releaseVersion: String = "1.0.0") throws(ConfigurationError) {
        appName = settings.string("APP_NAME", default: "MyAPI")
        appVersion = settings.string("APP_VERSION", default: releaseVersion)
        debug = try settings.bool("DEBUG", default: false)
        allowedHosts = try settings.list("ALLOWED_HOSTS", default: ["*"])
        if let pattern = allowedHosts.first(where: { !TrustedHostPolicy.isValidPattern($0) }) {
            throw ConfigurationError(
                variable: "ALLOWED_HOSTS",
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
        trustedProxies = try settings.list("TRUSTED_PROXIES", default: [])
        searchTimeoutMilliseconds = try settings.int("SEARCH_TIMEOUT_MILLISECONDS", default: 2000, range: 1...3_600_000)
        logLevel = settings.string("LOG_LEVEL", default: debug ? "debug" : "info").lowercased()
        guard ["trace", "debug", "info", "notice", "warning", "error", "critical"].contains(logLevel) else {
            throw ConfigurationError(
                variable: "LOG_LEVEL", problem: "must be one of trace, debug, info, notice, warning, error, critical")
        }
        logFile = settings.string("LOG_FILE").flatMap { $0.isEmpty ? nil : $0 }
        bcryptCost = try settings.int("BCRYPT_COST", default: 12, range: 4...31)
        docsAssetsURL = settings.string("DOCS_ASSETS_URL").flatMap { $0.isEmpty ? nil : $0 }
        filesDirectory = settings.string("FILES_DIR", default: "./.data/files")
        if filesDirectory.isEmpty { throw ConfigurationError(variable: "FILES_DIR", problem: "must name a folder") }
    }
}
