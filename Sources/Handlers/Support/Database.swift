import AppCore
import Postgres

/// The worker's one PostgreSQL connection: opened on first use, re-opened after it breaks, so a
/// request that meets a dead database gets 503 and the first one after it is back succeeds.
public final class Database {
    let conninfo: String
    private var connection: PGConnection?

    /// Told about each session as it opens (and nil when it is dropped). The worker's request
    /// timer keeps the session's cancel key from here, so a new session is cancellable at once.
    public var sessionDidChange: ((PGConnection?) -> Void)? {
        didSet { sessionDidChange?(connection) }
    }

    /// Given to every session (`PGConnection.refusesQueries`): while it returns true, queries
    /// fail as cancelled without reaching the server. The worker's request timer sets it.
    public var refusesQueries: (() -> Bool)? {
        didSet { connection?.refusesQueries = refusesQueries }
    }

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
            drop()
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

    /// Puts the session back in a clean state after a request that was interrupted (its time
    /// limit fired): a transaction left open is rolled back, and a session that cannot even do
    /// that is dropped, so the next request starts on a healthy connection. Cheap when there
    /// is nothing to do: no round trip unless a transaction is open.
    public func recoverAfterInterruption() {
        guard let connection else { return }
        guard connection.isConnected else {
            drop()
            return
        }
        guard connection.hasOpenTransaction else { return }
        do {
            try connection.execute(unsafeSQL: "ROLLBACK")
        } catch {
            drop()
            return
        }
        if connection.hasOpenTransaction { drop() }
    }

    func liveConnection() throws(DatabaseUnavailable) -> PGConnection {
        if let connection, connection.isConnected, !connection.serverClosedConnection() {
            return connection
        }
        drop()
        do {
            let fresh = try PGConnection(conninfo: conninfo)
            fresh.refusesQueries = refusesQueries
            connection = fresh
            sessionDidChange?(fresh)
            return fresh
        } catch {
            throw DatabaseUnavailable(underlying: error)
        }
    }

    private func drop() {
        guard connection != nil else { return }
        sessionDidChange?(nil)
        connection = nil
    }
}

/// The database cannot be reached; clients get 503.
public struct DatabaseUnavailable: Error, CustomStringConvertible {
    public let underlying: PGError

    public var description: String { "database unavailable: \(underlying)" }
}
