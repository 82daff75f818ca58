/// What the policies around the router know of the operation a request was routed to
/// (`Request.route`); set by `Application` from `Router.resolve` before any policy runs.
public struct RouteTraits: Sendable, Equatable {
    /// How the rate limit counts the operation's requests.
    public var rateLimit: RateLimitClass

    public init(rateLimit: RateLimitClass = .general) {
        self.rateLimit = rateLimit
    }
}

/// Which rate-limit rules count an operation's requests.
public enum RateLimitClass: Sendable, Equatable {
    /// The general rule (`RATE_LIMIT_*`): every operation unless it says otherwise, and every
    /// request that reaches none (404, 405, redirects).
    case general
    /// The general rule and the stricter login rule (`LOGIN_RATE_LIMIT_*`).
    case login
    /// Not counted and not answered with `X-RateLimit-*` (health probes, the status page).
    case exempt
}
