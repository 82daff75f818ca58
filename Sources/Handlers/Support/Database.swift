import AppCore
import Postgres

/// The worker's one PostgreSQL connection: opened on first use, re-opened after it breaks, so a
/// request that meets a dead database gets 503 and the first one after it is back succeeds.
public final class Database {
    let conninfo: String
    private var connection: PGConnection?

    public init(conninfo: String) {
        self.conninfo = conninfo
    }

    /// Runs `body` on a live connection. A database that cannot be reached is thrown as
    /// `DatabaseUnavailable` (→ 503); a connection lost during `body` is dropped so the next
    /// request reconnects.
    public func withConnection<T>(_ body: (PGConnection) throws -> T) throws -> T {
        let live = try liveConnection()
        do {
            return try body(live)
        } catch let error as PGError where error.isConnectionProblem {
            connection = nil
            throw DatabaseUnavailable(underlying: error)
        }
    }

    /// Opens the connection now (a worker does it before taking requests); failures are
    /// tolerated and retried on the next request.
    public func warmUp() -> PGError? {
        do {
            _ = try liveConnection()
            return nil
        } catch {
            return error.underlying
        }
    }

    func liveConnection() throws(DatabaseUnavailable) -> PGConnection {
        if let connection, connection.isConnected, !connection.serverClosedConnection() {
            return connection
        }
        connection = nil
        do {
            let fresh = try PGConnection(conninfo: conninfo)
            connection = fresh
            return fresh
        } catch {
            throw DatabaseUnavailable(underlying: error)
        }
    }
}

/// The database cannot be reached; clients get 503.
public struct DatabaseUnavailable: Error, CustomStringConvertible {
    public let underlying: PGError

    public var description: String { "database unavailable: \(underlying)" }
}
