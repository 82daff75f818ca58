import AppCore

/// Every route of the REST API, in one place.
public enum Routes {
    public static func makeRouter() -> Router<AppContext> {
        var router = Router<AppContext>()
        for route in HealthController.routes() + AuthController.routes() + UsersController.routes() + ItemsController.routes() {
            router.add(route)
        }
        return router
    }
}
