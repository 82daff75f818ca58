import AppCore

/// `/openapi.json`, `/docs`, `/redoc` (filled in by the OpenAPI change).
public enum DocsController {
    public static func routes(for router: Router<AppContext>) -> [Route<AppContext>] {
        []
    }
}
