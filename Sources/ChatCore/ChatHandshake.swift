import AppCore

/// Whether an HTTP request to the daemon becomes a chat connection, and the HTTP answer when not.
///
/// The token is not looked at here: a bad token is answered after the upgrade, with close code
/// 4001, as the seed does. Everything that is not about the user is answered before it, in the
/// REST API's JSON shapes: 404 for other paths, 405 for other methods, 422 for an invalid room
/// id or `since`, 403 for an `Origin` that `CORS_ORIGINS` does not list, 426 for a chat URL
/// requested without the WebSocket upgrade.
public enum ChatHandshake {
    public enum Decision: Sendable {
        /// Upgrade; the connection then checks the token.
        case accept(ChatRoute, MessageLanguage)
        /// `GET /ws/health`: the daemon's own readiness answer.
        case health
        /// Answer with this response and do not upgrade.
        case reject(Response)
    }

    /// The health path, answered without an upgrade (load balancers, scripts).
    public static let healthPath = "/ws/health"

    /// - Parameters:
    ///   - method: the request method.
    ///   - target: the request target as sent (path and query, percent-encoded).
    ///   - origin: the `Origin` header; nil (non-browser clients send none) is allowed.
    ///   - acceptLanguage: the `Accept-Language` header, for the texts of errors.
    ///   - wantsUpgrade: the request asks for `Upgrade: websocket`.
    ///   - origins: the allowed origins (`CORS_ORIGINS`, the REST API's CORS list).
    public static func decide(
        method: String, target: String, origin: String?, acceptLanguage: String?,
        wantsUpgrade: Bool, origins: OriginPolicy
    ) -> Decision {
        let language = MessageLanguage(acceptLanguage: acceptLanguage)
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        if path == healthPath && !wantsUpgrade {
            guard method == "GET" || method == "HEAD" else { return .reject(methodNotAllowed(language)) }
            return .health
        }
        let route: ChatRoute
        switch ChatRoute.parse(target: target) {
        case .failure(.notFound):
            return .reject(HTTPError(.notFound, .notFound).response(language: language))
        case .failure(.invalid(let issues)):
            guard method == "GET" else { return .reject(methodNotAllowed(language)) }
            return .reject(ValidationError(issues).response(language: language))
        case .success(let parsed):
            route = parsed
        }
        guard method == "GET" else { return .reject(methodNotAllowed(language)) }
        if let origin, !origins.allows(origin) {
            return .reject(HTTPError(.forbidden, ChatTexts.originNotAllowed).response(language: language))
        }
        guard wantsUpgrade else {
            var response = HTTPError(HTTPStatus(code: 426, reason: "Upgrade Required"), ChatTexts.upgradeRequired)
                .response(language: language)
            response.headers.add("Upgrade", "websocket")
            return .reject(response)
        }
        return .accept(route, language)
    }

    static func methodNotAllowed(_ language: MessageLanguage) -> Response {
        var response = HTTPError(.methodNotAllowed, .methodNotAllowed).response(language: language)
        response.headers.add("Allow", "GET")
        return response
    }
}

/// The origins a browser may open chat connections from: the REST API's `CORS_ORIGINS`, read
/// the same way (exact origins, or `*` for any). A request without `Origin` is not from a
/// browser page and is allowed.
public struct OriginPolicy: Sendable {
    let allowsAny: Bool
    let origins: Set<String>

    public init(allowedOrigins: [String]) {
        allowsAny = allowedOrigins.contains("*")
        origins = Set(allowedOrigins)
    }

    public func allows(_ origin: String) -> Bool {
        allowsAny || origins.contains(origin)
    }
}
