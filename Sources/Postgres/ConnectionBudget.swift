/// How many more sessions PostgreSQL will take, read by each process at start-up and compared
/// with what that process will hold (a pool: one per worker; a chat daemon: two; a job runner:
/// one), so that a host which would not fit stops with one clear line instead of starting
/// workers that fail on every request.
///
/// Every host adds its processes' needs: N hosts need N × (WORKERS + 2 × chat daemons + job
/// runners) sessions, plus whatever else connects (psql, migrations, backups), within
/// `max_connections − superuser_reserved_connections` (README, "Several hosts"). The check is
/// a start-up sanity check, not a reservation: two hosts starting in the same instant both see
/// the room before either takes it.
///
/// ```swift
/// let verdict = ConnectionBudget.check(conninfo: url, need: 16)
/// if let line = verdict.refusal(need: 16, holder: "this pool", reason: "WORKERS") { fail(line) }
/// ```
public struct ConnectionBudget: Sendable, Equatable {
    /// `max_connections`.
    public let maxConnections: Int
    /// Slots only superusers may take: `superuser_reserved_connections` (and, from PostgreSQL 16,
    /// `reserved_connections`).
    public let reserved: Int
    /// Sessions connected to a database now, the checking session left out. Every client session
    /// counts, whoever it belongs to (and an autovacuum worker of the moment too: a slightly high
    /// count errs on the safe side). Read from `pg_stat_activity`'s `datid`, which every role sees.
    public let inUse: Int

    public init(maxConnections: Int, reserved: Int, inUse: Int) {
        self.maxConnections = maxConnections
        self.reserved = reserved
        self.inUse = inUse
    }

    /// Sessions ordinary roles may open in all.
    public var allowed: Int { maxConnections - reserved }

    /// Sessions still free.
    public var free: Int { max(0, allowed - inUse) }

    /// True when `need` more sessions fit.
    public func fits(_ need: Int) -> Bool { need <= free }

    /// The one line a process that does not fit stops with.
    ///
    /// - Parameters:
    ///   - need: the sessions the process would hold.
    ///   - holder: who needs them, e.g. `this pool`.
    ///   - reason: what decides the need, e.g. `WORKERS`.
    public func refusal(need: Int, holder: String, reason: String) -> String {
        "PostgreSQL has no room for \(holder): it needs \(need) connections (\(reason)), the server allows "
            + "\(allowed) (max_connections \(maxConnections) - \(reserved) reserved) and \(inUse) are in use, free: "
            + "\(free). \(Self.advice)"
    }

    /// The figures, for a log line.
    public var figures: [String: String] {
        ["max_connections": "\(maxConnections)", "reserved": "\(reserved)", "in_use": "\(inUse)", "free": "\(free)"]
    }

    /// What to do about it.
    static let advice = "Raise max_connections, lower WORKERS on the hosts, or put PgBouncer in front (README, \"Several hosts\")"

    public enum Verdict: Sendable {
        /// The need fits; the budget as read.
        case fits(ConnectionBudget)
        /// It does not.
        case exceeded(ConnectionBudget)
        /// The server refused even the checking session: every slot is taken.
        case serverFull
        /// The budget could not be read (the server is down, a wrong URL, …).
        case unknown(PGError)

        /// What a process that goes on logs: the figures when the need fits (notice), or why the
        /// budget could not be read (a warning); nil when it stops (the refusal says it all).
        public func report(need: Int) -> (isWarning: Bool, message: String, metadata: [String: String])? {
            switch self {
            case .fits(let budget):
                (false, "Connection budget", budget.figures.merging(["need": "\(need)"]) { $1 })
            case .unknown(let error):
                (true, "Connection budget not checked: database not reachable", ["error": "\(error)"])
            case .exceeded, .serverFull:
                nil
            }
        }

        /// The line to stop with, or nil to go on (the need fits, or the server could not be
        /// asked: a process that starts before its database keeps doing so).
        public func refusal(need: Int, holder: String, reason: String) -> String? {
            switch self {
            case .fits, .unknown: nil
            case .exceeded(let budget): budget.refusal(need: need, holder: holder, reason: reason)
            case .serverFull:
                "PostgreSQL has no room for \(holder): it refused a connection, every slot is taken "
                    + "(max_connections). \(ConnectionBudget.advice)"
            }
        }
    }

    /// Opens a short session, reads the budget and closes the session again.
    public static func check(conninfo: String, need: Int) -> Verdict {
        do {
            let connection = try PGConnection(conninfo: conninfo)
            let budget = try read(on: connection)
            return budget.fits(need) ? .fits(budget) : .exceeded(budget)
        } catch {
            return error.isServerFull ? .serverFull : .unknown(error)
        }
    }

    /// The budget as the server sees it now, from this session.
    public static func read(on connection: PGConnection) throws(PGError) -> ConnectionBudget {
        let rows = try connection.query(
            """
            SELECT current_setting('max_connections')::int,
                   current_setting('superuser_reserved_connections')::int
                     + coalesce(current_setting('reserved_connections', true)::int, 0),
                   (SELECT count(*) FROM pg_stat_activity WHERE datid IS NOT NULL AND pid <> pg_backend_pid())::int
            """)
        guard let row = rows.first else { throw PGError(.decoding, message: "no row from the budget query") }
        let (maxConnections, reserved, inUse) = try row.decode((Int, Int, Int).self)
        return ConnectionBudget(maxConnections: maxConnections, reserved: reserved, inUse: inUse)
    }
}

extension PGError {
    /// The server's answer when every slot is taken: `sorry, too many clients already`, or
    /// `remaining connection slots are reserved …` (SQLSTATE 53300, which libpq does not hand
    /// over for a connection that never opened, so the fixed message is read).
    public var isServerFull: Bool {
        code == .connectionFailed && (message.contains("too many clients") || message.contains("remaining connection slots"))
    }
}
