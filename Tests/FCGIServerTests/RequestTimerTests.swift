import AppCore
import CPrefork
@testable import FCGIApp
import Glibc
import Handlers
import JSON
import Logging
import Postgres
import Testing
@testable import FCGIServer

/// The per-request time limit against a real PostgreSQL (`PG_TEST_URL`), wired to the worker's
/// database as FCGIApp wires it (`protect`): the timer's signal handler cancels the running
/// statement, the request is answered 504, and the same session serves the next request.
/// Serialized: the timer is process-wide state.
@Suite(.serialized, .enabled(if: TestPostgres.isEnabled, "needs PG_TEST_URL (scripts/test sets it)"))
struct RequestTimerTests {
    let conninfo: String

    init() throws {
        conninfo = try TestPostgres.conninfo()
    }

    /// Milliseconds since `start`.
    static func elapsed(since start: ContinuousClock.Instant) -> Int64 {
        let (seconds, attoseconds) = start.duration(to: .now).components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }

    static func backendPID(_ connection: PGConnection) throws -> Int {
        try connection.query("SELECT pg_backend_pid()")[0].decode(0, as: Int.self)
    }

    // MARK: - Database level

    @Test func runningStatementIsCancelledAtTheLimitAndTheSessionStaysUsable() throws {
        let timer = try RequestTimer(limit: .milliseconds(300), hardLimit: false)
        let database = Database(conninfo: conninfo)
        timer.protect(database)
        let pidBefore = try database.withConnection(Self.backendPID)

        let start = ContinuousClock.now
        timer.begin()
        let error = #expect(throws: PGError.self) {
            try database.withConnection { try $0.query("SELECT pg_sleep(10)") }
        }
        let fired = timer.end()
        let took = Self.elapsed(since: start)

        #expect(error?.isQueryCanceled == true)
        #expect(error?.isConnectionProblem == false)
        #expect(fired)
        #expect(took >= 250 && took < 3000, "cancelled after \(took) ms")
        #expect(timer.cancelsSent == 1)
        #expect(error.flatMap(ErrorMapping.map)?.status == .gatewayTimeout)

        // The same session answers the next request, without a reconnect.
        timer.begin()
        let pidAfter = try database.withConnection(Self.backendPID)
        #expect(timer.end() == false)
        #expect(pidAfter == pidBefore)
    }

    @Test func transactionIsRolledBackAndLaterQueriesOfTheRequestAreRefused() throws {
        let timer = try RequestTimer(limit: .milliseconds(300), hardLimit: false)
        let database = Database(conninfo: conninfo)
        timer.protect(database)
        let table = "timer_\(UInt32.random(in: 0...UInt32.max))"
        try database.withConnection { try $0.execute(unsafeSQL: "CREATE TABLE \(table) (n integer)") }
        defer { _ = try? database.withConnection { try $0.execute(unsafeSQL: "DROP TABLE \(table)") } }

        timer.begin()
        var refusedAfter: Int64 = -1
        #expect(throws: PGError.self) {
            try database.withConnection { connection in
                do {
                    try connection.transaction { connection in
                        try connection.query("INSERT INTO \(unescaped: table) VALUES (1)")
                        try connection.query("SELECT pg_sleep(10)")
                    }
                } catch {
                    // A handler that carries on after the cancel: its next query never reaches
                    // the server.
                    let start = ContinuousClock.now
                    defer { refusedAfter = Self.elapsed(since: start) }
                    try connection.query("INSERT INTO \(unescaped: table) VALUES (2)")
                }
            }
        }
        #expect(timer.hasFired)
        #expect(timer.end())
        #expect(refusedAfter >= 0 && refusedAfter < 50, "refused after \(refusedAfter) ms")

        timer.begin()
        let count = try database.withConnection { connection in
            #expect(!connection.hasOpenTransaction)
            return try connection.query("SELECT count(*) FROM \(unescaped: table)")[0].decode(0, as: Int.self)
        }
        timer.end()
        #expect(count == 0)
    }

    @Test func leftOpenTransactionIsRolledBackAfterTheRequest() throws {
        let timer = try RequestTimer(limit: .milliseconds(200), hardLimit: false)
        let database = Database(conninfo: conninfo)
        timer.protect(database)
        timer.begin()
        try database.withConnection { connection in
            // Raw transaction control that a handler forgot to close, then a slow statement.
            try connection.execute(unsafeSQL: "BEGIN")
            _ = try? connection.query("SELECT pg_sleep(10)")
            #expect(connection.hasOpenTransaction)
        }
        #expect(timer.end())
        let (open, one) = try database.withConnection { connection in
            (connection.hasOpenTransaction, try connection.query("SELECT 1")[0].decode(0, as: Int.self))
        }
        #expect(!open)
        #expect(one == 1)
    }

    @Test func newSessionAfterALostConnectionIsCancellableToo() throws {
        let timer = try RequestTimer(limit: .milliseconds(300), hardLimit: false)
        let database = Database(conninfo: conninfo)
        timer.protect(database)
        let first = try database.withConnection(Self.backendPID)
        // The server ends the session while the worker is idle; the next request reconnects.
        try PGConnection(conninfo: conninfo).query("SELECT pg_terminate_backend(\(first))")
        usleep(100_000)

        timer.begin()
        var second = 0
        let error = #expect(throws: PGError.self) {
            try database.withConnection { connection in
                second = try Self.backendPID(connection)
                try connection.query("SELECT pg_sleep(10)")
            }
        }
        #expect(timer.end())
        #expect(second != first && second != 0)
        #expect(error?.isQueryCanceled == true)
    }

    @Test func requestWithinTheLimitIsUntouched() throws {
        let timer = try RequestTimer(limit: .seconds(5), hardLimit: false)
        let database = Database(conninfo: conninfo)
        timer.protect(database)
        for _ in 0..<3 {
            timer.begin()
            _ = try database.withConnection { try $0.query("SELECT pg_sleep(0.01)") }
            #expect(timer.end() == false)
        }
        #expect(timer.cancelsSent == 0)
    }

    @Test func expiryBetweenRequestsIsIgnored() throws {
        let timer = try RequestTimer(limit: .milliseconds(100), hardLimit: true)
        let database = Database(conninfo: conninfo)
        timer.protect(database)
        timer.begin()
        _ = try database.withConnection { try $0.query("SELECT 1") }
        #expect(timer.end() == false)
        // The timer was not disarmed: it runs out while no request runs (hard limit on, too).
        var pause = timespec(tv_sec: 0, tv_nsec: 300_000_000)
        var left = timespec()
        while nanosleep(&pause, &left) != 0 && errno == EINTR { pause = left }
        #expect(timer.cancelsSent == 0)
        timer.begin()
        #expect(try database.withConnection { try $0.query("SELECT 2")[0].decode(0, as: Int.self) } == 2)
        #expect(timer.end() == false)
    }

    // MARK: - Through the worker

    final class Context {
        let database: Database
        init(database: Database) { self.database = database }
    }

    @Test func workerAnswers504AndServesTheNextRequestOnTheSameSession() throws {
        let peer = try FastCGITestPeer()
        let timer = try RequestTimer(limit: .milliseconds(400), hardLimit: false)
        let database = Database(conninfo: conninfo)
        timer.protect(database)

        var router = Router<Context>()
        router.add(
            Route("GET", "/slow", Operation()) { _, context in
                _ = try context.database.withConnection { connection in
                    try connection.transaction { try $0.query("SELECT pg_sleep(10)") }
                }
                return .json(bytes: Array("{}".utf8))
            })
        router.add(
            Route("GET", "/pid", Operation()) { _, context in
                let pid = try context.database.withConnection(RequestTimerTests.backendPID)
                return .json(bytes: Array("{\"pid\":\(pid)}".utf8))
            })
        let logger = Logger(label: "test")
        let application = Application(
            router: router, logger: logger,
            mapError: ErrorMapping.mapper(requestTimeoutSeconds: 1))
        let loop = WorkerLoop(
            socket: peer.socket, settings: .init(maxBodySize: 1024, maxRequests: 0), logger: logger,
            application: application, context: Context(database: database), requestTimer: timer)

        let client = try peer.sendGET("/pid")
        let before = try peer.exchange(client, with: loop)
        #expect(before.status == 200)

        let start = ContinuousClock.now
        let slow = try peer.sendGET("/slow")
        let timedOut = try peer.exchange(slow, with: loop)
        let took = Self.elapsed(since: start)
        #expect(timedOut.status == 504)
        #expect(timedOut.fields["content-type"] == "application/json")
        #expect(timedOut.detail == "処理がタイムアウトしました（1秒）")
        #expect(took >= 350 && took < 3000, "answered after \(took) ms")

        let english = try peer.sendGET("/slow", headers: ["HTTP_ACCEPT_LANGUAGE": "en"])
        #expect(try peer.exchange(english, with: loop).detail == "Request timed out (1 s)")

        let next = try peer.sendGET("/pid")
        let after = try peer.exchange(next, with: loop)
        #expect(after.status == 200)
        #expect(after.bodyText == before.bodyText, "same backend: the session was kept")
        #expect(!timer.hasFired)
    }

    @Test func streamStopsWhenTheLimitPasses() throws {
        let peer = try FastCGITestPeer()
        let timer = try RequestTimer(limit: .milliseconds(200), hardLimit: false)
        var router = Router<Void>()
        router.add(
            Route("GET", "/events", Operation()) { _, _ in
                Response.eventStream { writer in
                    for index in 0..<100 {
                        guard writer.write("data: \(index)\n\n") else { return }
                        usleep(50_000)
                    }
                }
            })
        let loop = peer.loop(router, requestTimer: timer)
        let client = try peer.sendGET("/events")
        let response = try peer.exchange(client, with: loop)
        let events = response.records.count - 1
        #expect(response.status == 200)
        #expect(events >= 2 && events <= 8, "\(events) events before the limit")
    }

    // MARK: - Hard limit

    /// A child process stuck in a loop that no cancel reaches: at twice the limit it ends
    /// itself with exit code 124 and one log line. (The child only calls C after fork.)
    @Test func requestStuckPastTwiceTheLimitEndsTheProcess() throws {
        var pipeEnds: [Int32] = [0, 0]
        #expect(pipe(&pipeEnds) == 0)
        let start = ContinuousClock.now
        let pid = fork()
        if pid == 0 {
            dup2(pipeEnds[1], 2)
            guard CPrefork_request_timer_install(RequestTimer.hardLimitExitCode) == 0,
                CPrefork_request_timer_arm(150) == 0
            else { _exit(99) }
            while CPrefork_request_timer_fired() >= 0 {}
            _exit(98)
        }
        close(pipeEnds[1])
        var status: Int32 = 0
        #expect(waitpid(pid, &status, 0) == pid)
        let took = Self.elapsed(since: start)
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = read(pipeEnds[0], &buffer, buffer.count)
        close(pipeEnds[0])
        let line = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)

        #expect(CPrefork_wifexited(status) == 1)
        #expect(CPrefork_wexitstatus(status) == RequestTimer.hardLimitExitCode)
        #expect(took >= 280 && took < 3000, "ended after \(took) ms")
        #expect(line.contains("\"level\":\"critical\""))
        #expect(line.contains("twice the time limit"))
        #expect(line.contains("\"limit.ms\":150"))
        #expect(line.hasSuffix("}\n"))
        #expect((try? JSONParser.parse(Array(line.utf8.dropLast()))) != nil, "a JSON line: \(line)")
    }
}

/// `PG_TEST_URL`, as `TestSupport.TestDatabase` reads it (that target is not a dependency of
/// this one): the suites run when it is set, or under CI, where a missing URL fails them.
enum TestPostgres {
    static let url: String? = getenv("PG_TEST_URL").map { String(cString: $0) }
    static let isEnabled = url != nil || getenv("CI").map { String(cString: $0) } == "true"

    static func conninfo() throws -> String {
        guard let url else { throw TestFailure("PG_TEST_URL is not set but CI=true: run the tests through scripts/test") }
        return url
    }
}
