/// The seed's RateLimitMiddleware, per client address and counted by a `RateLimiter` (in
/// production shared by every worker of the pool), plus a stricter limit for login attempts.
///
/// Which rules count a request follows the operation it is routed to (`Request.route`), not
/// the path text: `//api/v1/auth/token` reaches no operation (it is redirected to the canonical
/// path) and the login counts wherever its path is spelled.
/// - Every counted response carries `X-RateLimit-Limit` and `X-RateLimit-Remaining`.
/// - Over the limit: 429 `{"detail":"レート制限に達しました"}` with `Retry-After` (seconds until the
///   window ends) and `X-RateLimit-Remaining: 0`; the router is not called.
/// - A `.login` operation counts under both rules; its headers show the login rule unless the
///   general one has fewer requests left.
/// - `.exempt` operations (health probes, the status page) are neither counted nor refused, and
///   carry no `X-RateLimit-*` headers (there is no budget they would describe).
///
/// What the policy does not see: CORS preflights and wrong `Host` headers are answered by
/// the policies outside it (the seed's order), so they are neither counted nor get these headers.
public struct RateLimitPolicy: RequestPolicy {
    let limiter: any RateLimiter
    let general: RateLimitRule
    let login: RateLimitRule?

    public init(limiter: any RateLimiter, general: RateLimitRule, login: RateLimitRule?) {
        self.limiter = limiter
        self.general = general
        self.login = login
    }

    public func respond(to request: Request, next: (Request) -> Response) -> Response {
        let counted = request.route?.rateLimit ?? .general
        if counted == .exempt { return next(request) }
        let client = request.clientAddress
        var (decision, rule) = (limiter.hit(client, rule: general), general)
        if decision.allowed, counted == .login, let login {
            let attempt = limiter.hit(client, rule: login)
            if !attempt.allowed || attempt.remaining <= decision.remaining { (decision, rule) = (attempt, login) }
        }
        guard decision.allowed else {
            var response = HTTPError(.tooManyRequests, .rateLimitExceeded).response(language: request.language)
            response.headers.add("Retry-After", String(max(1, decision.resetSeconds)))
            Self.addHeaders(decision, rule: rule, to: &response.headers)
            return response
        }
        var response = next(request)
        Self.addHeaders(decision, rule: rule, to: &response.headers)
        return response
    }

    static func addHeaders(_ decision: RateLimitDecision, rule: RateLimitRule, to headers: inout HTTPHeaders) {
        headers.add("X-RateLimit-Limit", rule.limitHeaderValue)
        headers.add("X-RateLimit-Remaining", String(decision.allowed ? decision.remaining : 0))
    }
}
