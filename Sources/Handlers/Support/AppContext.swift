import AppCore
import CryptoSupport
import Identity
import JobQueue
import Logging

/// What handlers need besides the request, one per worker process.
public final class AppContext {
    public let configuration: AppConfiguration
    /// What each enqueued job gets (`JOB_MAX_ATTEMPTS`).
    public let jobs: EnqueueSettings
    public let database: Database
    public let logger: Logger
    public let passwords: PasswordHasher
    public let tokens: TokenService
    /// Keys the fingerprints of `Idempotency-Key` requests (derived from `SECRET_KEY`).
    public let idempotencyFingerprints: HMACKey
    /// The current Unix time in seconds (a parameter so tests can move it).
    public let now: @Sendable () -> Int64
    /// The pool's scoreboard for `GET /status`; nil outside a pool (the page then answers 404).
    public let poolStatus: (any PoolStatusSource)?

    public init(
        configuration: AppConfiguration, database: Database, logger: Logger, jobs: EnqueueSettings = EnqueueSettings(),
        poolStatus: (any PoolStatusSource)? = nil,
        now: @escaping @Sendable () -> Int64 = { UnixTime.now() }
    ) {
        self.poolStatus = poolStatus
        self.configuration = configuration
        self.jobs = jobs
        self.database = database
        self.logger = logger
        self.passwords = PasswordHasher(cost: configuration.bcryptCost)
        self.tokens = TokenService(
            secret: configuration.secretKey,
            accessTokenMinutes: configuration.accessTokenExpireMinutes,
            refreshTokenDays: configuration.refreshTokenExpireDays)
        self.idempotencyFingerprints = Idempotency.fingerprintKey(secret: configuration.secretKey)
        self.now = now
    }
}

/// The router asks the context who calls, before an operation that needs credentials
/// (`Operation.access`); the handler receives the answer.
extension AppContext: Authenticating {
    public func caller(of request: Request, access: Access) throws -> User {
        try Authenticator.caller(request, access: access, context: self)
    }

    public func tokenSubject(of request: Request) throws -> Int {
        try Authenticator.tokenUserID(request, context: self)
    }
}
