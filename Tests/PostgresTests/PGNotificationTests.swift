import Glibc
import Postgres
import Testing
import TestSupport

/// LISTEN/NOTIFY through `socketDescriptor` and `receiveNotifications()`.
@Suite(.enabled(if: TestDatabase.isEnabled, "set PG_TEST_URL to run against PostgreSQL"))
struct PGNotificationTests {
    /// Waits up to `milliseconds` for the connection's socket to become readable.
    func waitReadable(_ connection: PGConnection, milliseconds: Int32) -> Bool {
        guard let fd = connection.socketDescriptor else { return false }
        var descriptor = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, milliseconds) > 0
    }

    @Test func notificationsArriveInOrderWithTheirPayloads() throws {
        let listener = try TestDatabase.connect()
        let sender = try TestDatabase.connect()
        let channel = "test_notify_\(UInt32.random(in: 0...UInt32.max))"
        try listener.execute(unsafeSQL: "LISTEN \(channel)")
        #expect(try listener.receiveNotifications().isEmpty)
        #expect(!waitReadable(listener, milliseconds: 50))

        try sender.query("SELECT pg_notify(\(channel), \("première"))")
        try sender.transaction { connection in
            try connection.query("SELECT pg_notify(\(channel), \("second"))")
            try connection.query("SELECT pg_notify(\(channel), \("third"))")
        }
        var received: [PGNotification] = []
        for _ in 0..<50 where received.count < 3 {
            _ = waitReadable(listener, milliseconds: 100)
            received += try listener.receiveNotifications()
        }
        #expect(received.map(\.payload) == ["première", "second", "third"])
        #expect(received.allSatisfy { $0.channel == channel && $0.senderPID > 0 })
    }

    @Test func notificationsReadDuringAQueryAreKept() throws {
        let listener = try TestDatabase.connect()
        let sender = try TestDatabase.connect()
        let channel = "test_notify_\(UInt32.random(in: 0...UInt32.max))"
        try listener.execute(unsafeSQL: "LISTEN \(channel)")
        try sender.query("SELECT pg_notify(\(channel), \("during"))")
        usleep(100_000)
        // The query reads the pending notification off the socket into libpq's queue.
        #expect(try listener.query("SELECT \(1)::int")[0].decode(0, as: Int.self) == 1)
        #expect(try listener.receiveNotifications().map(\.payload) == ["during"])
    }

    @Test func aClosedSessionThrows() throws {
        let listener = try TestDatabase.connect()
        let pid: Int = try listener.query("select pg_backend_pid()")[0].decode(0)
        try TestDatabase.connect().query("select pg_terminate_backend(\(pid))")
        var failed = false
        for _ in 0..<50 where !failed {
            _ = waitReadable(listener, milliseconds: 100)
            do {
                _ = try listener.receiveNotifications()
            } catch {
                failed = error.isConnectionProblem
            }
        }
        #expect(failed)
        #expect(listener.socketDescriptor == nil)
    }
}
