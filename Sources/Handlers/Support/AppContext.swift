import AppCore
import Logging

/// What handlers need besides the request, one per worker process.
public final class AppContext {
    public let configuration: AppConfiguration
    public let database: Database
    public let logger: Logger

    public init(configuration: AppConfiguration, database: Database, logger: Logger) {
        self.configuration = configuration
        self.database = database
        self.logger = logger
    }
}
