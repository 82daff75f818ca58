import AppCore

/// Every route of the REST API, in one place.
public enum Routes {
    public static func makeRouter() -> Router<AppContext> {
        var router = Router<AppContext>()
        let api =
            HealthController.routes()
            + AuthController.routes()
            + UsersController.routes()
            + ItemsController.routes()
            + StreamController.routes()
            + StatusController.routes()
            + CampaignsController.routes()
            + RoomsController.routes()
            + DownloadController.routes()
        for route in api {
            router.add(route)
        }
        // The documents describe every route above, so they are added last.
        for route in DocsController.routes(for: router) {
            router.add(route)
        }
        return router
    }
}
