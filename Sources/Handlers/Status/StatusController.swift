import AppCore
import CryptoSupport

/// `GET /status`: the pool's status page (php-fpm's `pm.status_path`), in php-fpm's JSON shape
/// (`?full` adds the processes; `?json` is accepted and changes nothing: the page is always
/// JSON), followed by `"pools"`: this pool and the other pools of this host (the
/// password-hashing pool beside the API pool), each with the same fields. Only for clients on this host, as php-fpm's page is usually kept: others get the
/// same 404 as any unknown path, so the page does not show that it exists. Not in the OpenAPI
/// document and not counted by the rate limit.
public enum StatusController {
    public static let path = "/status"

    public static func routes() -> [Route<AppContext>] {
        [
            Route("GET", path, Operation(summary: "Pool status", rateLimit: .exempt, includeInSchema: false)) { input, context in
                guard let source = context.poolStatus, isLocal(input.request.remoteAddress) else {
                    throw HTTPError(.notFound, .notFound)
                }
                let full = input.request.query["full"] != nil
                let page = source.poolStatus().json(now: UnixTime.now(), full: full, otherPools: source.otherPools())
                var response = Response.json(bytes: page)
                response.headers.add("Cache-Control", "no-store")
                return response
            }
        ]
    }

    /// Loopback addresses, as nginx writes them in `REMOTE_ADDR`.
    static func isLocal(_ address: String) -> Bool {
        address == "::1" || address.hasPrefix("127.") || address.hasPrefix("::ffff:127.")
    }
}
