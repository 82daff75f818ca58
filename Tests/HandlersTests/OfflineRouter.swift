import AppCore
import Handlers
import Logging

/// The real router and application without a database, for routes that never query one
/// (`/api/v1/stream`, `/api/v1/download/{id}`): a request in, the `Response` as the worker
/// would get it, unencoded. Routes that need PostgreSQL go through `TestClient`.
struct OfflineRouter {
    let application: Application<AppContext>
    let context: AppContext

    /// - Parameter environment: settings besides `SECRET_KEY` (e.g. `FILES_DIR`).
    init(environment: [String: String] = [:]) throws {
        let settings = SettingsReader(environment: environment.merging(["SECRET_KEY": "test"]) { mine, _ in mine })
        let configuration = try AppConfiguration(settings)
        let logger = Logger(label: "test")
        context = AppContext(
            configuration: configuration, database: Database(conninfo: configuration.databaseURL),
            logger: logger)
        application = Application(router: Routes.makeRouter(), logger: logger, mapError: ErrorMapping.map)
    }

    func get(_ path: String, id: String = "test-request-id") -> Response {
        let request = Request(
            method: "GET", path: path, query: QueryParameters(parsing: ""), rawQuery: nil,
            headers: HTTPHeaders(), body: [], remoteAddress: "127.0.0.1", id: id)
        return application.respond(to: request, context: context)
    }
}
