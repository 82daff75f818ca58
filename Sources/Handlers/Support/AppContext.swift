import AppCore
import CryptoSupport
import Identity
import Logging

/// What handlers need besides the request, one per worker process.
public final class AppContext {
    public let configuration: AppConfiguration
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

    public init(configuration: AppConfiguration, database: Database, logger: Logger,
                poolStatus: (any PoolStatusSource)? = nil,
                now: @escaping @Sendable () -> Int64 = { UnixTime.now() }) {
        self.poolStatus = poolStatus
        self.configuration = configuration
        self.database = database
        self.logger = logger
        self.passwords = PasswordHasher(cost: configuration.bcryptCost)
        self.tokens = TokenService(secret: configuration.secretKey,
                                   accessTokenMinutes: configuration.accessTokenExpireMinutes,
                                   refreshTokenDays: configuration.refreshTokenExpireDays)
        self.idempotencyFingerprints = Idempotency.fingerprintKey(secret: configuration.secretKey)
        self.now = now
    }
}
