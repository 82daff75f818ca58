/// Starlette's CORSMiddleware as the seed configures it: `allow_origins` from `CORS_ORIGINS`,
/// `allow_credentials=True`, `allow_methods=["*"]`, `allow_headers=["*"]`, `max_age=600`.
///
/// - A request without `Origin` passes untouched.
/// - Preflight (`OPTIONS` with `Origin` and `Access-Control-Request-Method`) is answered here:
///   200 for an allowed origin and method, with `Access-Control-Allow-Methods`, the requested
///   headers echoed in `Access-Control-Allow-Headers`, `Access-Control-Max-Age: 600`;
///   otherwise 400 `Disallowed CORS origin` (or `method`, or both, as Starlette says).
/// - Any other request from an allowed origin gets `Access-Control-Allow-Origin: <origin>`,
///   `Access-Control-Allow-Credentials: true` and `Vary: Origin` on its response, whatever
///   its status.
///
/// Differences from Starlette, on purpose: an origin that is not allowed gets no CORS header
/// at all (Starlette still adds `Access-Control-Allow-Credentials` and, on a refused
/// preflight, the preflight headers); `*` in the list echoes the origin, never `*`, because
/// credentials are allowed (browsers refuse `*` with credentials; Starlette echoes only when
/// a cookie is sent); bodies are the contract's JSON `{"detail": …}` with Starlette's texts.
public struct CORSPolicy: RequestPolicy {
    /// Starlette's expansion of `allow_methods=["*"]`.
    public static let allowedMethods: Set<String> = ["DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"]
    static let allowedMethodsValue = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"
    public static let maxAgeSeconds = 600

    let allowsAnyOrigin: Bool
    let origins: Set<String>

    /// - Parameter allowedOrigins: exact origins (`https://app.example.com`), or `*` for any.
    public init(allowedOrigins: [String]) {
        allowsAnyOrigin = allowedOrigins.contains("*")
        origins = Set(allowedOrigins)
    }

    public func isAllowed(origin: String) -> Bool {
        allowsAnyOrigin || origins.contains(origin)
    }

    public func respond(to request: Request, next: (Request) -> Response) -> Response {
        guard let origin = request.headers.value(lowercaseName: "origin") else { return next(request) }
        let allowed = isAllowed(origin: origin)
        if request.method == "OPTIONS",
            let method = request.headers.value(lowercaseName: "access-control-request-method")
        {
            return preflight(request, origin: origin, allowed: allowed, method: method)
        }
        var response = next(request)
        if allowed { Self.addOriginHeaders(origin, to: &response.headers) }
        return response
    }

    func preflight(_ request: Request, origin: String, allowed: Bool, method: String) -> Response {
        var failures: [String] = []
        if !allowed { failures.append("origin") }
        if !Self.allowedMethods.contains(method) { failures.append("method") }
        var response =
            failures.isEmpty
            ? Response.json(.ok, ["detail": .string(Message.preflightAccepted.text(in: request.language))])
            : HTTPError(.badRequest, .corsDisallowed(failures)).response(language: request.language)
        guard allowed else { return response }
        Self.addOriginHeaders(origin, to: &response.headers)
        response.headers.add("Access-Control-Allow-Methods", Self.allowedMethodsValue)
        response.headers.add("Access-Control-Max-Age", String(Self.maxAgeSeconds))
        // allow_headers=["*"]: whatever the browser asks for is allowed, so it is echoed.
        if let requested = request.headers.value(lowercaseName: "access-control-request-headers") {
            response.headers.add("Access-Control-Allow-Headers", requested)
        }
        return response
    }

    static func addOriginHeaders(_ origin: String, to headers: inout HTTPHeaders) {
        headers.add("Access-Control-Allow-Origin", origin)
        headers.add("Access-Control-Allow-Credentials", "true")
        if let vary = headers.value(lowercaseName: "vary") {
            let listed = vary.split(separator: ",").contains {
                HTTPHeaders.equal($0.trimmingASCIIWhitespace(), lowercase: "origin")
            }
            if !listed { headers.set("Vary", vary + ", Origin") }
        } else {
            headers.add("Vary", "Origin")
        }
    }
}
