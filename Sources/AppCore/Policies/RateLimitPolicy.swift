/// The seed's RateLimitMiddleware, per client address and counted by a `RateLimiter` (in
/// production shared by every worker of the pool), plus a stricter limit for login attempts.
///
/// - Every response that passes here carries `X-RateLimit-Limit` and `X-RateLimit-Remaining`.
/// - Over the limit: 429 `{"detail":"レート制限に達しました"}` with `Retry-After` (seconds until the
///   window ends) and `X-RateLimit-Remaining: 0`; the router is not called.
/// - `POST /api/v1/auth/token` counts under both rules; its headers show the login rule
///   unless the general one has fewer requests left.
/// - The health endpoints and `/status` are exempt, so that a load balancer's probes and a
///   monitor neither use up nor are refused by a client's budget; they carry the headers of the general rule, unchanged.
///
/// What the policy does not see: CORS preflights and wrong `Host` headers are answered by
/// the policies outside it (the seed's order), so they are neither counted nor get these headers.
public struct RateLimitPolicy: RequestPolicy {
    public static let loginPath = "/api/v1/auth/token"

    /// The health endpoints and the pool's status page (compared directly: this runs on
    /// every request).
    public static func isExempt(_ path: String) -> Bool {
        path == "/health" || path == "/health/ready" || path == "/status"
    }

    let limiter: any RateLimiter
    let general: RateLimitRule
    let login: RateLimitRule?

    public init(limiter: any RateLimiter, general: RateLimitRule, login: RateLimitRule?) {
        self.limiter = limiter
        self.general = general
        self.login = login
    }

    public func respond(to request: Request, next: (Request) -> Response) -> Response {
        let client = request.remoteAddress
        if Self.isExempt(request.path) {
            var response = next(request)
            Self.addHeaders(limiter.peek(client, rule: general), rule: general, to: &response.headers)
            return response
        }
        var (decision, rule) = (limiter.hit(client, rule: general), general)
        if decision.allowed, let login, request.method == "POST", request.path == Self.loginPath {
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
