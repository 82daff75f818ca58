import AppCore

/// `/openapi.json`, `/docs`, `/redoc`: the OpenAPI 3.1 document generated from every route
/// added before these (`Routes.makeRouter` adds them last), and the Swagger UI and ReDoc pages
/// that show it.
public enum DocsController {
    /// The seed's `FastAPI(description=...)`.
    public static let description = "FastAPI完全ガイドのサンプルAPI"
    public static let openAPIPath = "/openapi.json"
    /// Where `OAuth2PasswordBearer` gets its tokens (the OAuth2 password form route).
    public static let tokenURL = "/api/v1/auth/token"

    public static func routes(for router: Router<AppContext>) -> [Route<AppContext>] {
        // Paths and schemas are built once per process; only `info` comes from the configuration.
        let document = OpenAPIDocument(routes: router.routes, tokenURL: tokenURL)
        let hidden = { (summary: String) in Operation(summary: summary, includeInSchema: false) }
        return [
            Route("GET", openAPIPath, hidden("OpenAPI document")) { _, context in
                let info = OpenAPIInfo(
                    title: context.configuration.appName, version: context.configuration.appVersion,
                    description: description)
                return Response.json(.ok, document.json(info: info))
            },
            Route("GET", "/docs", hidden("Swagger UI")) { _, context in
                html(
                    DocsPages.swaggerUI(
                        title: context.configuration.appName, openAPIURL: openAPIPath,
                        assets: DocsAssets(baseURL: context.configuration.docsAssetsURL)))
            },
            Route("GET", "/redoc", hidden("ReDoc")) { _, context in
                html(
                    DocsPages.redoc(
                        title: context.configuration.appName, openAPIURL: openAPIPath,
                        assets: DocsAssets(baseURL: context.configuration.docsAssetsURL)))
            },
        ]
    }

    static func html(_ page: String) -> Response {
        Response(status: .ok, headers: ["Content-Type": "text/html; charset=utf-8"], body: Array(page.utf8))
    }
}
