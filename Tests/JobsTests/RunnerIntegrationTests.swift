import AppCore
import JobQueue
@testable import Jobs
import Logging
import Mail
import Postgres
import Testing
import TestSupport

/// A transport that records what it was given and answers as told, per recipient.
final class RecordingTransport: MailTransport {
    var sent: [MailMessage] = []
    /// Recipients refused every time.
    var refuse: [String: MailError] = [:]
    /// Recipients refused once (temporarily), then accepted.
    var refuseOnce: Set<String> = []
    var closed = 0

    func send(_ message: MailMessage, deadline: Deadline) throws(MailError) {
        if let error = refuse[message.to] { throw error }
        if refuseOnce.remove(message.to) != nil { throw .temporary("451 4.3.0 try again later") }
        sent.append(message)
    }

    func close() { closed += 1 }
}

/// The queue and the runner against a real PostgreSQL: each test gets a database of its own,
/// since a runner claims every due job in the table.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs PG_TEST_URL (scripts/test sets it)"))
struct RunnerIntegrationTests {
    let conninfo: String
    let connection: PGConnection

    init() throws {
        conninfo = try TestDatabase.makeMigratedDatabase()
        connection = try PGConnection(conninfo: conninfo)
    }

    func configuration(_ extra: [String: String] = [:]) throws -> RunnerConfiguration {
        var environment = ["DATABASE_URL": conninfo, "MAIL_FROM": "MyAPI <noreply@example.com>", "JOB_BATCH_SIZE": "7"]
        for (key, value) in extra { environment[key] = value }
        return try RunnerConfiguration(SettingsReader(environment: environment))
    }

    func runner(_ transport: RecordingTransport, owner: String = "test:1", _ extra: [String: String] = [:]) throws -> Runner {
        Runner(
            configuration: try configuration(extra), connection: try PGConnection(conninfo: conninfo), transport: transport,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), owner: owner, usesWatchdog: false,
            now: { 1_764_390_000 })
    }

    func enqueueMails(_ count: Int, prefix: String = "user", maxAttempts: Int = 4) throws {
        try connection.transaction { connection in
            for index in 1...count {
                try JobQueue.enqueue(
                    NewJob(
                        kind: JobKind.mail,
                        payload: JobKind.mailPayload(
                            to: "\(prefix)\(index)@example.com", subject: "件名 \(index)", body: "本文 \(index)"),
                        maxAttempts: maxAttempts), on: connection)
            }
        }
    }

    func states() throws -> [String: Int] {
        Dictionary(uniqueKeysWithValues: try JobStore.counts(on: connection).map { ($0.state.rawValue, $0.count) })
    }

    @Test func enqueueBelongsToTheCallersTransaction() throws {
        struct Abort: Error {}
        #expect(throws: Abort.self) {
            try connection.transaction { connection in
                try JobQueue.enqueue(NewJob(kind: JobKind.mail, payload: ["to": "x@example.com"]), on: connection)
                throw Abort()
            }
        }
        #expect(try states()["queued"] == 0)
        try enqueueMails(1)
        #expect(try states()["queued"] == 1)
    }

    @Test func runOnceDeliversEverythingDueAndStops() throws {
        try enqueueMails(20)
        let transport = RecordingTransport()
        let summary = try runner(transport).runOnce()
        #expect(summary.succeeded == 20 && summary.failed == 0 && summary.retried == 0)
        #expect(transport.sent.count == 20)
        #expect(Set(transport.sent.map(\.to)).count == 20)
        #expect(try states()["succeeded"] == 20)
        let first = try #require(transport.sent.first)
        #expect(first.to == "user1@example.com" && first.subject == "件名 1" && first.body == "本文 1")
        #expect(first.from == "MyAPI <noreply@example.com>")
        #expect(first.messageID.hasPrefix("job-") && first.messageID.hasSuffix("@example.com"))
        // Nothing due: a second run does nothing.
        #expect(try runner(transport).runOnce().total == 0)
    }

    @Test func claimsOfTwoRunnersNeverOverlap() throws {
        try enqueueMails(50)
        let a = JobStore(connection: try PGConnection(conninfo: conninfo), owner: "a")
        let b = JobStore(connection: try PGConnection(conninfo: conninfo), owner: "b")
        var seen: [Int64] = []
        while true {
            let first = try a.claim(limit: 6, leaseSeconds: 60)
            let second = try b.claim(limit: 6, leaseSeconds: 60)
            if first.isEmpty && second.isEmpty { break }
            seen += first.map(\.id) + second.map(\.id)
        }
        #expect(seen.count == 50)
        #expect(Set(seen).count == 50)
        #expect(
            try connection.query("SELECT count(DISTINCT locked_by) FROM jobs WHERE state = 'running'")[0].decode(0, as: Int.self)
                == 2)
    }

    @Test func temporaryFailuresRetryAndPermanentOnesFail() throws {
        try enqueueMails(3)
        let transport = RecordingTransport()
        transport.refuseOnce = ["user1@example.com"]
        transport.refuse = ["user2@example.com": .permanent("RCPT TO refused: 550 5.1.1 no such user")]
        let summary = try runner(transport, ["JOB_RETRY_DELAY_SECONDS": "0"]).runOnce()
        // user1 fails, is due again at once (delay 0) and succeeds within the same run.
        #expect(summary.retried == 1 && summary.failed == 1 && summary.succeeded == 2)
        let rows = try connection.query(
            """
            SELECT payload->>'to', state, attempts, coalesce(last_error, '') FROM jobs ORDER BY id
            """)
        let table = try rows.map { try $0.decode((String, String, Int, String).self) }
        #expect(table[0].1 == "succeeded" && table[0].2 == 2 && table[0].3.contains("451"))
        #expect(table[1].1 == "failed" && table[1].2 == 1 && table[1].3.contains("550"))
        #expect(table[2].1 == "succeeded" && table[2].2 == 1)
    }

    @Test func retriesWaitForTheirDelayAndStopAtMaxAttempts() throws {
        try enqueueMails(1, maxAttempts: 2)
        let transport = RecordingTransport()
        transport.refuse = ["user1@example.com": .temporary("connection refused")]
        let first = try runner(transport, ["JOB_RETRY_DELAY_SECONDS": "60"]).runOnce()
        #expect(first.retried == 1)
        let due = try connection.query("SELECT extract(epoch FROM run_at - now())::int FROM jobs")[0].decode(0, as: Int.self)
        #expect((55...60).contains(due))
        #expect(try runner(transport).runOnce().total == 0)  // not due yet
        try connection.query("UPDATE jobs SET run_at = now()")
        let second = try runner(transport).runOnce()
        #expect(second.failed == 1)
        let row = try connection.query("SELECT state, attempts, last_error, finished_at IS NOT NULL FROM jobs")[0]
        #expect(try row.decode((String, Int, String, Bool).self) == ("failed", 2, "connection refused", true))
    }

    @Test func overdueJobsAreTakenBackAndTheirOldOwnerChangesNothing() throws {
        try enqueueMails(2, maxAttempts: 2)
        let dead = JobStore(connection: try PGConnection(conninfo: conninfo), owner: "dead-runner")
        let claimed = try dead.claim(limit: 2, leaseSeconds: 300)
        #expect(claimed.count == 2)
        // Another runner before the deadline: nothing to do.
        let transport = RecordingTransport()
        #expect(try runner(transport).runOnce().total == 0)
        // The deadline passes (the runner died, or ran past its time limit).
        try connection.query("UPDATE jobs SET locked_until = now() - interval '1 second'")
        let summary = try runner(transport).runOnce()
        #expect(summary.rescued == 2 && summary.succeeded == 2)
        #expect(transport.sent.count == 2)
        // The old owner coming back late changes nothing.
        #expect(try dead.succeed(claimed[0]) == false)
        #expect(try dead.fail(claimed[1], error: "late") == false)
        let rows = try connection.query("SELECT state, attempts, last_error FROM jobs ORDER BY id")
        for row in rows {
            let (state, attempts, error) = try row.decode((String, Int, String).self)
            #expect(state == "succeeded" && attempts == 2 && error.hasPrefix("time limit exceeded"))
        }
    }

    @Test func anOverdueLastAttemptFails() throws {
        try enqueueMails(1, maxAttempts: 1)
        let dead = JobStore(connection: try PGConnection(conninfo: conninfo), owner: "dead-runner")
        _ = try dead.claim(limit: 1, leaseSeconds: 300)
        try connection.query("UPDATE jobs SET locked_until = now() - interval '1 second'")
        let summary = try runner(RecordingTransport()).runOnce()
        #expect(summary.rescued == 1 && summary.total == 0)
        let row = try connection.query("SELECT state, locked_by IS NULL, last_error FROM jobs")[0]
        let (state, unlocked, error) = try row.decode((String, Bool, String).self)
        #expect(state == "failed" && unlocked && error.contains("dead-runner"))
    }

    @Test func releasedJobsKeepTheirAttempts() throws {
        try enqueueMails(3)
        let store = JobStore(connection: connection, owner: "stopping")
        let claimed = try store.claim(limit: 3, leaseSeconds: 60)
        try store.release(claimed)
        #expect(try states()["queued"] == 3)
        #expect(try connection.query("SELECT max(attempts) FROM jobs")[0].decode(0, as: Int.self) == 0)
        // A stop requested before the first job: the batch goes back untouched.
        var asked = 0
        let summary = try runner(RecordingTransport()).runOnce(shouldStop: {
            asked += 1
            return asked > 1
        })
        #expect(summary.released == 3 && summary.total == 0)
        #expect(try states()["queued"] == 3)
    }

    @Test func campaignFansOutAndReportsItsStatus() throws {
        let store = CampaignStore(connection: connection)
        try connection.transaction { connection in
            try CampaignStore(connection: connection).create(
                taskID: "task-1", subject: "お知らせ", body: "本文です",
                recipients: ["a@example.com", "reject@example.com", "b@example.com"],
                createdBy: nil, maxAttempts: 4)
        }
        #expect(try store.status(taskID: "task-1") == CampaignStatus(state: .pending, result: nil))
        #expect(try store.status(taskID: "unknown") == nil)
        let transport = RecordingTransport()
        transport.refuse = ["reject@example.com": .permanent("RCPT TO refused: 550")]
        let summary = try runner(transport).runOnce()
        #expect(summary.succeeded == 3 && summary.failed == 1)  // fan-out + 2 mails; 1 refused
        #expect(transport.sent.map(\.to).sorted() == ["a@example.com", "b@example.com"])
        #expect(transport.sent.allSatisfy { $0.subject == "お知らせ" && $0.body == "本文です" })
        #expect(try store.status(taskID: "task-1") == CampaignStatus(state: .failure, result: (2, 1)))
        // The fan-out ran once: its children are the three recipients, no more.
        #expect(try connection.query("SELECT count(*) FROM jobs WHERE parent_id IS NOT NULL")[0].decode(0, as: Int.self) == 3)
    }

    @Test func insertsNotifyListeners() throws {
        let listener = try PGConnection(conninfo: conninfo)
        try listener.listen("jobs_inserted")
        #expect(try listener.waitForNotifications(timeoutSeconds: 0.2) == .timedOut)
        try enqueueMails(2)
        #expect(try listener.waitForNotifications(timeoutSeconds: 5) == .notified(["jobs_inserted"]))
    }

    @Test func hostLockAdmitsOneRunner() throws {
        let path = "/tmp/jobs-test-\(UInt32.random(in: 0...UInt32.max)).lock"
        guard case .acquired(let held) = try HostLock.acquire(path: path) else {
            Issue.record("not acquired")
            return
        }
        // flock is per open file: a second open in this process is refused too.
        guard case .heldByAnother = try HostLock.acquire(path: path) else {
            Issue.record("acquired twice")
            return
        }
        withExtendedLifetime(held) {}
    }
}
