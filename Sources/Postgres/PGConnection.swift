internal import CLibPQ

/// One libpq connection; one owner (a worker process), not Sendable.
///
/// Every query is parameterised and runs as a prepared statement that is
/// reused for the life of the session. Results are copied into Swift values
/// at once. After the connection breaks, every call throws a connection
/// problem without touching the dead socket until `reconnect()` succeeds.
/// Only `cancelRunningQuery()` may be called from another thread.
public final class PGConnection {
    /// The `PGconn *`; owned, finished in `deinit`.
    let handle: OpaquePointer
    private var statements = PreparedStatementCache()
    private var isBroken = false
    /// How many `transaction` calls are nested inside the outermost one (savepoints in use).
    var savepointDepth = 0
    private let canceller: QueryCanceller
    /// Asked before each `query(_:)` is sent: while it returns true, queries fail at once with
    /// SQLSTATE 57014 (query_canceled), as if the server had cancelled them. A worker sets it
    /// while its request is over the time limit, so the request stops at its next statement.
    /// Raw SQL (`execute(unsafeSQL:)`) and `transaction`'s BEGIN/COMMIT/ROLLBACK are not refused,
    /// so a transaction is still rolled back.
    public var refusesQueries: (() -> Bool)?

    /// Connects with a libpq conninfo string or URI (`PQconnectdb`); throws `.connectionFailed`.
    public init(conninfo: String) throws(PGError) {
        guard !conninfo.utf8.contains(0) else {
            throw PGError(.connectionFailed, message: "conninfo contains a NUL byte")
        }
        guard let handle = PQconnectdb(conninfo) else {
            throw PGError(.connectionFailed, message: "libpq could not allocate a connection")
        }
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle))
            PQfinish(handle)
            throw PGError(.connectionFailed, message: message)
        }
        // Notices (e.g. "relation already exists, skipping") would go to stderr; workers log structurally.
        PQsetNoticeProcessor(handle, { _, _ in }, nil)
        self.handle = handle
        self.canceller = QueryCanceller(PQgetCancel(handle))
    }

    deinit {
        PQfinish(handle)
    }

    /// True while the connection is usable (`PQstatus == CONNECTION_OK` and no loss was seen).
    public var isConnected: Bool {
        !isBroken && PQstatus(handle) == CONNECTION_OK
    }

    /// The server version as an integer, e.g. 150004 for 15.4; 0 when disconnected.
    public var serverVersion: Int {
        Int(PQserverVersion(handle))
    }

    /// Re-opens the connection with the same settings (`PQreset`); prepared statements are forgotten.
    public func reconnect() throws(PGError) {
        statements.removeAll()
        savepointDepth = 0
        PQreset(handle)
        guard PQstatus(handle) == CONNECTION_OK else {
            isBroken = true
            canceller.replace(with: nil)
            throw PGError(.connectionFailed, message: String(cString: PQerrorMessage(handle)))
        }
        isBroken = false
        canceller.replace(with: PQgetCancel(handle))
    }

    /// Asks the server to cancel the running query; safe from another thread and when nothing runs.
    ///
    /// As with any PostgreSQL cancel request, one that arrives after the query
    /// finished may hit the next query on this connection.
    public func cancelRunningQuery() {
        canceller.requestCancel()
    }

    /// Runs a parameterised query as a (cached) prepared statement and returns its rows.
    @discardableResult
    public func query(_ query: PGQuery) throws(PGError) -> PGResult {
        try checkUsable()
        if let refusesQueries, refusesQueries() {
            throw PGError(
                .server, message: "canceling statement: the request is over its time limit (not sent)",
                sqlState: "57014")
        }
        try Self.validate(query)
        do throws(PGError) {
            return try runPrepared(query)
        } catch  where Self.isStaleStatement(error) && transactionIsIdle {
            // The statement vanished (DEALLOCATE / DISCARD) or its result type changed
            // after a migration; outside a transaction nothing ran, so prepare afresh once.
            if let name = statements.remove(query.sql) {
                _ = try? exec("DEALLOCATE \(name)")
            }
            return try runPrepared(query)
        }
    }

    /// Runs raw SQL (`PQexec`), for migrations and transaction control; several statements are allowed.
    public func execute(unsafeSQL sql: String) throws(PGError) {
        try exec(sql)
    }

    // MARK: - Internals

    /// True when no transaction block is open on a healthy connection.
    var transactionIsIdle: Bool {
        !isBroken && PQtransactionStatus(handle) == PQTRANS_IDLE
    }

    /// Runs raw SQL and returns the last statement's result.
    @discardableResult
    func exec(_ sql: String) throws(PGError) -> PGResult {
        try checkUsable()
        guard !sql.utf8.contains(0) else {
            throw PGError(.invalidQuery, message: "SQL text contains a NUL byte")
        }
        return try consume(PQexec(handle, sql))
    }

    /// Throws at once, without touching libpq's socket, when the connection is known to be broken.
    private func checkUsable() throws(PGError) {
        guard !isBroken, PQstatus(handle) == CONNECTION_OK else {
            markBroken()
            throw PGError(.connectionLost, message: "the connection is not open; call reconnect()")
        }
    }

    /// Remembers that the session is gone: no more libpq calls on it until `reconnect()`.
    func markBroken() {
        isBroken = true
        statements.removeAll()
    }

    /// Prepares `query.sql` on first use in this session, then executes it with the binds.
    private func runPrepared(_ query: PGQuery) throws(PGError) -> PGResult {
        let name: String
        if let cached = statements.name(for: query.sql) {
            name = cached
        } else {
            name = statements.reserveName()
            _ = try consume(PQprepare(handle, name, query.sql, 0, nil))
            statements.store(name, for: query.sql)
        }
        return try consume(execPrepared(name, binds: query.binds))
    }

    /// `PQexecPrepared` with text-format binds laid out in one NUL-separated buffer.
    private func execPrepared(_ name: String, binds: [String?]) -> OpaquePointer? {
        var storage: [CChar] = []
        var offsets: [Int?] = []
        offsets.reserveCapacity(binds.count)
        for bind in binds {
            guard let bind else {
                offsets.append(nil)
                continue
            }
            offsets.append(storage.count)
            storage.append(contentsOf: bind.utf8.map { CChar(bitPattern: $0) })
            storage.append(0)
        }
        return storage.withUnsafeBufferPointer { buffer in
            let values: [UnsafePointer<CChar>?] = offsets.map { offset in
                offset.map { buffer.baseAddress! + $0 }
            }
            return values.withUnsafeBufferPointer { pointers in
                PQexecPrepared(handle, name, Int32(binds.count), pointers.baseAddress, nil, nil, 0)
            }
        }
    }

    /// Turns a libpq result into a `PGResult` or an error, always clearing it; detects connection loss.
    private func consume(_ result: OpaquePointer?) throws(PGError) -> PGResult {
        defer {
            if let result { PQclear(result) }
        }
        guard PQstatus(handle) == CONNECTION_OK, let result else {
            markBroken()
            if let result, PQresultStatus(result) == PGRES_FATAL_ERROR {
                throw PGError.server(from: result, code: .connectionLost)
            }
            throw PGError(.connectionLost, message: String(cString: PQerrorMessage(handle)))
        }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PGResult(copying: result)
        case PGRES_COPY_IN, PGRES_COPY_OUT, PGRES_COPY_BOTH:
            // The session is now stuck in COPY mode; make the caller reconnect.
            markBroken()
            throw PGError(.invalidQuery, message: "COPY is not supported")
        default:
            throw PGError.server(from: result)
        }
    }

    /// Rejects text that C strings would silently truncate at a NUL byte.
    private static func validate(_ query: PGQuery) throws(PGError) {
        guard !query.sql.utf8.contains(0) else {
            throw PGError(.invalidQuery, message: "SQL text contains a NUL byte")
        }
        for (index, bind) in query.binds.enumerated() where bind?.utf8.contains(0) == true {
            throw PGError(.invalidQuery, message: "bind $\(index + 1) contains a NUL byte")
        }
    }

    /// Errors after which re-preparing may succeed: 26000 (statement gone), 0A000 (cached plan's result type changed).
    private static func isStaleStatement(_ error: PGError) -> Bool {
        error.code == .server && (error.sqlState == "26000" || error.sqlState == "0A000")
    }
}

@available(*, unavailable, message: "a PGConnection has one owner; only cancelRunningQuery() may be called from elsewhere")
extension PGConnection: Sendable {}
