import Logging

/// Turns a request into a response around the router: the error policy (client errors become
/// their JSON bodies, anything else a logged 500), the request policies (CORS, trusted hosts,
/// rate limit: `PolicyChain`), request ids, timing headers and the access log.
/// One instance per worker process; the transport (FastCGI) calls `respond` for each request.
///
/// Layers, outermost first: request id, `X-Process-Time` and access log (so every response
/// has them, 429s and preflights included); the policies in their order; the error policy
/// and the router.
public struct Application<Context> {
    public typealias ErrorMapper = @Sendable (any Error) -> HTTPError?

    public let router: Router<Context>
    let logger: Logger
    let accessLog: AccessLog?
    let mapError: ErrorMapper
    let policies: PolicyChain

    /// - Parameters:
    ///   - router: the routes.
    ///   - logger: where errors go.
    ///   - accessLog: one line per request, or nil for none.
    ///   - policies: CORS, trusted hosts, rate limit (`PolicyChain.standard`); none by default.
    ///   - mapError: turns errors of lower layers into client answers (a lost database into 503).
    public init(
        router: Router<Context>, logger: Logger, accessLog: AccessLog? = nil,
        policies: PolicyChain = PolicyChain(),
        mapError: @escaping ErrorMapper = { _ in nil }
    ) {
        self.router = router
        self.logger = logger
        self.accessLog = accessLog
        self.policies = policies
        self.mapError = mapError
    }

    /// Routes the request through the policies and adds `X-Request-ID` and `X-Process-Time`;
    /// never throws.
    public func respond(to request: Request, context: Context) -> Response {
        serve(request, resolution: router.resolve(request)) { answer($0, resolution: $1, context: context) }
    }

    /// The answer for a request that could not be routed at all (a body over the limit). The
    /// policies still apply: a browser needs the CORS headers to read the 413, and it counts.
    public func reject(_ request: Request, with error: HTTPError) -> Response {
        serve(request, resolution: nil) { request, _ in error.response(language: request.language) }
    }

    /// Runs the policies around `endpoint`; the policies see the resolved operation's traits.
    func serve(
        _ incoming: Request, resolution: Router<Context>.Resolution?,
        endpoint: (Request, Router<Context>.Resolution?) -> Response
    ) -> Response {
        let clock = ContinuousClock()
        let start = clock.now
        var request = policies.prepare(incoming)
        request.route = resolution?.traits
        var response = policies.respond(to: request) { endpoint($0, resolution) }
        let elapsed = start.duration(to: clock.now)
        response.headers.add("X-Request-ID", request.id)
        response.headers.add("X-Process-Time", ProcessTime.format(elapsed))
        accessLog?.record(request, status: response.status.code, durationMilliseconds: ProcessTime.milliseconds(elapsed))
        return response
    }

    func answer(_ request: Request, resolution: Router<Context>.Resolution?, context: Context) -> Response {
        do {
            return try router.respond(to: request, resolution: resolution ?? router.resolve(request), context: context)
        } catch let error as HTTPError {
            return error.response(language: request.language)
        } catch let error as ValidationError {
            return error.response(language: request.language)
        } catch {
            if let mapped = mapError(error) {
                logger.warning(
                    "Request failed",
                    metadata: [
                        "request.id": "\(request.id)", "status": "\(mapped.status.code)", "error": "\(error)",
                    ])
                return mapped.response(language: request.language)
            }
            // `description` of our error types is safe to log: no SQL, values or secrets.
            logger.error(
                "Unhandled error",
                metadata: [
                    "request.id": "\(request.id)", "method": "\(request.method)", "path": "\(request.path)",
                    "error": "\(error)",
                ])
            return HTTPError(.internalServerError, .internalError).response(language: request.language)
        }
    }
}

/// Formats durations the way the seed's `X-Process-Time` header does: `1.23ms`.
enum ProcessTime {
    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }

    static func format(_ duration: Duration) -> String {
        let hundredths = Int((milliseconds(duration) * 100).rounded())
        let fraction = hundredths % 100
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)ms"
    }
}
