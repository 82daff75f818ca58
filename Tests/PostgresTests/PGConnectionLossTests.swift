import Glibc
import Postgres
import Testing
import TestSupport

@Suite(.enabled(if: TestDatabase.isEnabled, "set PG_TEST_URL to run against PostgreSQL"))
struct PGConnectionLossTests {
    @Test func cancelFromAnotherThreadStopsTheQuery() throws {
        let connection = try TestDatabase.connect()
        let pid: Int = try connection.query("select pg_backend_pid()")[0].decode(0)
        let shared = UncheckedSendableBox(value: connection)
        let watcher = TestThread {
            // Cancel only once the backend is really running the sleep.
            guard let observer = try? TestDatabase.connect() else { return }
            for _ in 0..<200 {
                let active = try? observer.query(
                    """
                    select count(*) from pg_stat_activity where pid = \(pid) and state = 'active'
                    """)[0].decode(0, as: Int.self)
                if active == 1 { break }
                usleep(25_000)
            }
            shared.value.cancelRunningQuery()
        }
        defer { watcher.join() }

        let started = monotonicSeconds()
        #expect { try connection.query("select pg_sleep(\(10))") } throws: { error in
            guard let error = error as? PGError else { return false }
            return error.isQueryCanceled && !error.isConnectionProblem
        }
        #expect(monotonicSeconds() - started < 8)
        #expect(connection.isConnected)
        #expect(try connection.query("select \(1)::int")[0].decode(0, as: Int.self) == 1)
    }

    @Test func cancelWithNothingRunningIsHarmless() throws {
        let connection = try TestDatabase.connect()
        connection.cancelRunningQuery()
        #expect(try connection.query("select \(2)::int")[0].decode(0, as: Int.self) == 2)
    }

    @Test func killedBackendIsAConnectionProblemUntilReconnect() throws {
        let connection = try TestDatabase.connect()
        let probe: PGQuery = "select \(7)::int as n"
        #expect(try connection.query(probe)[0].decode(0, as: Int.self) == 7)
        let pid: Int = try connection.query("select pg_backend_pid()")[0].decode(0)

        try terminate(pid)

        #expect { try connection.query(probe) } throws: { ($0 as? PGError)?.isConnectionProblem == true }
        #expect(!connection.isConnected)
        // Broken now: fails at once without touching the dead socket.
        #expect { try connection.query("select \(1)") } throws: { ($0 as? PGError)?.code == .connectionLost }
        #expect { try connection.execute(unsafeSQL: "select 1") } throws: { ($0 as? PGError)?.isConnectionProblem == true }

        try connection.reconnect()
        #expect(connection.isConnected)
        let newPID: Int = try connection.query("select pg_backend_pid()")[0].decode(0)
        #expect(newPID != pid)
        #expect(try connection.query(probe)[0].decode(0, as: Int.self) == 7)
        let prepared = try connection.query(
            "select count(*) from pg_prepared_statements where statement = \(probe.sql)"
        )[0].decode(0, as: Int.self)
        #expect(prepared == 1)
    }

    @Test func idleConnectionClosedByServerIsDetected() throws {
        let connection = try TestDatabase.connect()
        #expect(!connection.serverClosedConnection())
        let pid: Int = try connection.query("select pg_backend_pid()")[0].decode(0)

        try terminate(pid)

        var closed = connection.serverClosedConnection()
        for _ in 0..<100 where !closed {
            usleep(10_000)
            closed = connection.serverClosedConnection()
        }
        #expect(closed)
        #expect(!connection.isConnected)
        try connection.reconnect()
        #expect(!connection.serverClosedConnection())
        #expect(try connection.query("select \(3)::int")[0].decode(0, as: Int.self) == 3)
    }

    @Test func transactionOnDeadConnectionRethrowsBodyError() throws {
        let connection = try TestDatabase.connect()
        let pid: Int = try connection.query("select pg_backend_pid()")[0].decode(0)
        #expect {
            try connection.transaction { connection in
                try terminate(pid)
                try connection.query("select \(1)")
            }
        } throws: { ($0 as? PGError)?.isConnectionProblem == true }
        try connection.reconnect()
        #expect(try connection.transaction { try $0.query("select \(4)::int")[0].decode(0, as: Int.self) } == 4)
    }

    /// Terminates a backend from a second connection and waits until it is gone.
    private func terminate(_ pid: Int) throws {
        let killer = try TestDatabase.connect()
        let done: Bool = try killer.query("select pg_terminate_backend(\(pid), \(5000))")[0].decode(0)
        #expect(done)
    }

    private func monotonicSeconds() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }
}
