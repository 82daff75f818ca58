import Logging

/// Turns a request into a response around the router: the error policy (client errors become
/// their JSON bodies, anything else a logged 500), request ids, timing headers and the access log.
/// One instance per worker process; the transport (FastCGI) calls `respond` for each request.
public struct Application<Context> {
    public typealias ErrorMapper = @Sendable (any Error) -> HTTPError?

    public let router: Router<Context>
    let logger: Logger
    let accessLog: AccessLog?
    let mapError: ErrorMapper

    /// - Parameters:
    ///   - router: the routes.
    ///   - logger: where errors go.
    ///   - accessLog: one line per request, or nil for none.
    ///   - mapError: turns errors of lower layers into client answers (a lost database into 503).
    public init(router: Router<Context>, logger: Logger, accessLog: AccessLog? = nil,
                mapError: @escaping ErrorMapper = { _ in nil }) {
        self.router = router
        self.logger = logger
        self.accessLog = accessLog
        self.mapError = mapError
    }

    /// Routes the request and adds `X-Request-ID` and `X-Process-Time`; never throws.
    public func respond(to request: Request, context: Context) -> Response {
        let clock = ContinuousClock()
        let start = clock.now
        var response = answer(request, context: context)
        let elapsed = start.duration(to: clock.now)
        response.headers.add("X-Request-ID", request.id)
        response.headers.add("X-Process-Time", ProcessTime.format(elapsed))
        accessLog?.record(request, status: response.status.code, durationMilliseconds: ProcessTime.milliseconds(elapsed))
        return response
    }

    /// The answer for a request that could not be routed at all (a body over the limit).
    public func reject(_ request: Request, with error: HTTPError) -> Response {
        var response = error.response(language: request.language)
        response.headers.add("X-Request-ID", request.id)
        response.headers.add("X-Process-Time", "0.00ms")
        accessLog?.record(request, status: response.status.code, durationMilliseconds: nil)
        return response
    }

    func answer(_ request: Request, context: Context) -> Response {
        do {
            return try router.respond(to: request, context: context)
        } catch let error as HTTPError {
            return error.response(language: request.language)
        } catch let error as ValidationError {
            return error.response(language: request.language)
        } catch {
            if let mapped = mapError(error) {
                logger.warning("Request failed", metadata: [
                    "request.id": "\(request.id)", "status": "\(mapped.status.code)", "error": "\(error)",
                ])
                return mapped.response(language: request.language)
            }
            // `description` of our error types is safe to log: no SQL, values or secrets.
            logger.error("Unhandled error", metadata: [
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
