import AppCore
import Postgres

/// Client answers for errors of lower layers: an unreachable database is 503, not 500; a
/// cancelled statement (the request ran over its time limit) is 504, not 500; a conflict with
/// concurrent requests that retrying the transaction did not resolve (a deadlock or
/// serialization failure, `PGConnection.transaction` retries those) is 503 with `Retry-After`.
public enum ErrorMapping {
    @Sendable public static func map(_ error: any Error) -> HTTPError? {
        map(error, requestTimeoutSeconds: nil)
    }

    /// The mapping of a worker whose requests have a time limit: the 504 says how long it is,
    /// in the seed's words (`処理がタイムアウトしました（30秒）`).
    public static func mapper(requestTimeoutSeconds: Int) -> @Sendable (any Error) -> HTTPError? {
        { error in map(error, requestTimeoutSeconds: requestTimeoutSeconds) }
    }

    static func map(_ error: any Error, requestTimeoutSeconds: Int?) -> HTTPError? {
        switch error {
        case is DatabaseUnavailable:
            return HTTPError(.serviceUnavailable, .databaseUnavailable, headers: ["Retry-After": "1"])
        case let error as PGError where error.isConnectionProblem:
            return HTTPError(.serviceUnavailable, .databaseUnavailable, headers: ["Retry-After": "1"])
        case let error as PGError where error.isTransientConflict:
            return HTTPError(.serviceUnavailable, .concurrentConflict, headers: ["Retry-After": "1"])
        case let error as PGError where error.isQueryCanceled:
            // SQLSTATE 57014: cancelled by the worker's request timer (or a statement_timeout).
            return HTTPError(.gatewayTimeout, requestTimeoutSeconds.map(Message.requestTimedOut(seconds:)) ?? .requestTimedOut)
        default:
            return nil
        }
    }
}
