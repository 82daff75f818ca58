import Postgres
import Testing
import TestSupport

/// The connection budget a process checks at start-up: the arithmetic, the line it stops with,
/// and the figures as a real server reports them.
struct ConnectionBudgetTests {
    @Test func freeSlotsAreWhatOrdinaryRolesMayOpenLessWhatIsInUse() {
        let budget = ConnectionBudget(maxConnections: 100, reserved: 3, inUse: 90)
        #expect(budget.allowed == 97)
        #expect(budget.free == 7)
        #expect(budget.fits(7))
        #expect(!budget.fits(8))
        #expect(ConnectionBudget(maxConnections: 10, reserved: 3, inUse: 12).free == 0)
    }

    @Test func theRefusalIsOneLineWithTheFiguresAndWhatToDo() {
        let line = ConnectionBudget(maxConnections: 40, reserved: 3, inUse: 30)
            .refusal(need: 8, holder: "this pool", reason: "WORKERS=8")
        #expect(
            line == "PostgreSQL has no room for this pool: it needs 8 connections (WORKERS=8), the server allows 37 "
                + "(max_connections 40 - 3 reserved) and 30 are in use, free: 7. Raise max_connections, lower WORKERS "
                + "on the hosts, or put PgBouncer in front (README, \"Several hosts\")")
        #expect(!line.contains("\n"))
    }

    @Test func aVerdictThatFitsOrCouldNotBeReadLetsTheProcessStart() {
        let fits = ConnectionBudget.Verdict.fits(ConnectionBudget(maxConnections: 100, reserved: 3, inUse: 0))
        #expect(fits.refusal(need: 1, holder: "x", reason: "y") == nil)
        let unreachable = ConnectionBudget.check(conninfo: "host=/nonexistent-dir port=1 connect_timeout=1", need: 1)
        guard case .unknown = unreachable else {
            Issue.record("an unreachable server should leave the budget unknown")
            return
        }
        #expect(unreachable.refusal(need: 1, holder: "x", reason: "y") == nil)
    }

    @Test(.enabled(if: TestDatabase.isEnabled))
    func theServerReportsItsSettingsAndSessions() throws {
        let connection = try TestDatabase.connect()
        let other = try TestDatabase.connect()
        let budget = try ConnectionBudget.read(on: connection)
        let shown = try connection.query(
            "SELECT current_setting('max_connections')::int, current_setting('superuser_reserved_connections')::int")
        let (maxConnections, reserved) = try shown[0].decode((Int, Int).self)
        #expect(budget.maxConnections == maxConnections)
        #expect(budget.reserved == reserved)
        // The other session counts (the checking one does not; other tests' sessions may).
        #expect(budget.inUse >= 1)
        withExtendedLifetime(other) {}
        guard case .fits = ConnectionBudget.check(conninfo: TestDatabase.url!, need: 1) else {
            Issue.record("one session should fit on the test server")
            return
        }
        guard case .exceeded(let full) = ConnectionBudget.check(conninfo: TestDatabase.url!, need: maxConnections) else {
            Issue.record("max_connections sessions more cannot fit")
            return
        }
        #expect(!full.fits(maxConnections))
        #expect(full.free == max(0, full.allowed - full.inUse))
    }
}
