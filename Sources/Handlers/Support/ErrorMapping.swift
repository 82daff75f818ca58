import AppCore
import Postgres

/// Client answers for errors of lower layers: an unreachable database is 503, not 500.
public enum ErrorMapping {
    @Sendable public static func map(_ error: any Error) -> HTTPError? {
        switch error {
        case is DatabaseUnavailable:
            return HTTPError(.serviceUnavailable, .databaseUnavailable, headers: ["Retry-After": "1"])
        case let error as PGError where error.isConnectionProblem:
            return HTTPError(.serviceUnavailable, .databaseUnavailable, headers: ["Retry-After": "1"])
        default:
            return nil
        }
    }
}
