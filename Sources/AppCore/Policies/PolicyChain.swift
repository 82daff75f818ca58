/// The policies around the router, outermost first, and how the client address is found.
/// `Application` runs it for every request, including those answered without routing (413),
/// so that every response gets the policies' headers.
///
/// ```swift
/// let chain = PolicyChain.standard(configuration, rateLimiter: LocalRateLimiter())
/// let application = Application(router: router, logger: logger, policies: chain)
/// ```
public struct PolicyChain {
    public let policies: [any RequestPolicy]
    /// Sets `Request.clientAddress` from proxy headers sent by trusted peers.
    public let trustedProxies: TrustedProxies

    public init(_ policies: [any RequestPolicy] = [], trustedProxies: TrustedProxies = TrustedProxies([])) {
        self.policies = policies
        self.trustedProxies = trustedProxies
    }

    /// The seed's middleware order: CORS outermost, then trusted hosts, then the rate limit.
    /// The seed's logging middleware (request id, timing, access log) is not a policy here:
    /// `Application` keeps it around the whole chain, so that 400s, 429s and preflights are
    /// logged and carry `X-Request-ID` too. Policies with nothing to do are left out
    /// (`ALLOWED_HOSTS=*`, an empty `CORS_ORIGINS`, no rate limiter).
    /// - Parameters:
    ///   - configuration: CORS_ORIGINS, ALLOWED_HOSTS, the rate limits, TRUSTED_PROXIES.
    ///   - rateLimiter: the counters (shared by the pool's processes in production), or nil.
    public static func standard(_ configuration: AppConfiguration, rateLimiter: (any RateLimiter)?) -> PolicyChain {
        var policies: [any RequestPolicy] = []
        if !configuration.corsOrigins.isEmpty {
            policies.append(CORSPolicy(allowedOrigins: configuration.corsOrigins))
        }
        if let hosts = TrustedHostPolicy(allowedHosts: configuration.allowedHosts) {
            policies.append(hosts)
        }
        if let rateLimiter {
            policies.append(
                RateLimitPolicy(
                    limiter: rateLimiter,
                    general: RateLimitRule(
                        .general, maxRequests: configuration.rateLimitMaxRequests,
                        windowSeconds: configuration.rateLimitWindowSeconds),
                    login: RateLimitRule(
                        .login, maxRequests: configuration.loginRateLimitMaxRequests,
                        windowSeconds: configuration.loginRateLimitWindowSeconds)))
        }
        return PolicyChain(policies, trustedProxies: TrustedProxies(configuration.trustedProxies))
    }

    /// The request as the policies and the access log see it (client address resolved).
    public func prepare(_ request: Request) -> Request {
        guard trustedProxies.isEnabled else { return request }
        var request = request
        request.clientAddress = trustedProxies.clientAddress(of: request)
        return request
    }

    /// Runs the policies in order around `endpoint`.
    public func respond(to request: Request, endpoint: (Request) -> Response) -> Response {
        respond(to: request, from: 0, endpoint: endpoint)
    }

    private func respond(to request: Request, from index: Int, endpoint: (Request) -> Response) -> Response {
        guard index < policies.count else { return endpoint(request) }
        return policies[index].respond(to: request) { respond(to: $0, from: index + 1, endpoint: endpoint) }
    }
}
