import AppCore
import JobQueue
@testable import Jobs
import Logging
import Postgres
import Testing
import TestSupport

/// The runner's housekeeping against a real PostgreSQL: what it removes, what it keeps, and that
/// a campaign's status survives the pruning of its jobs.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs PG_TEST_URL (scripts/test sets it)"))
struct HousekeepingTests {
    let conninfo: String
    let connection: PGConnection

    init() throws {
        conninfo = try TestDatabase.makeMigratedDatabase()
        connection = try PGConnection(conninfo: conninfo)
    }

    func housekeeping(batchLimit: Int = 10_000) -> Housekeeping {
        Housekeeping(connection: connection, jobRetentionDays: 7, idempotencyRetentionHours: 24, batchLimit: batchLimit)
    }

    func count(_ table: String) throws -> Int {
        try connection.query("SELECT count(*) FROM \(unescaped: table)")[0].decode(0)
    }

    @Test func oldIdempotencyKeysAndExpiredFamiliesGo() throws {
        try connection.query(
            """
            INSERT INTO idempotency_keys (scope, key, request_hash, status, created_at) VALUES
                ('anon:1', 'old', '\\x00', 201, now() - interval '25 hours'),
                ('anon:1', 'new', '\\x00', 201, now() - interval '23 hours')
            """)
        let user: Int = try connection.query(
            """
            INSERT INTO users (username, email, hashed_password) VALUES ('hk', 'hk@example.com', 'x') RETURNING id
            """)[0].decode(0)
        try connection.query(
            """
            INSERT INTO refresh_token_families (family_id, user_id, expires_at) VALUES
                ('expired', \(user), now() - interval '1 second'), ('live', \(user), now() + interval '1 day')
            """)
        try connection.query(
            """
            INSERT INTO refresh_tokens (jti, family_id, user_id, expires_at) VALUES
                ('a', 'expired', \(user), now() - interval '1 second'), ('b', 'live', \(user), now() + interval '1 day')
            """)
        let removed = try #require(try housekeeping().run(runner: "test"))
        #expect(removed.idempotencyKeys == 1 && removed.refreshTokenFamilies == 1)
        #expect(try connection.query("SELECT key FROM idempotency_keys")[0].decode(0, as: String.self) == "new")
        #expect(try connection.query("SELECT jti FROM refresh_tokens")[0].decode(0, as: String.self) == "b")
        let latest = try #require(try Housekeeping.latest(on: connection))
        #expect(latest.runner == "test" && latest.removed == removed)
    }

    @Test func finishedJobsGoAfterTheRetentionAndCampaignsKeepTheirResult() throws {
        let store = CampaignStore(connection: connection)
        try connection.transaction { connection in
            try CampaignStore(connection: connection).create(
                taskID: "kept", subject: "件名", body: "本文", recipients: ["a@example.com", "reject@example.com"],
                createdBy: nil, maxAttempts: 1)
            try JobQueue.enqueue(
                NewJob(
                    kind: JobKind.mail, payload: JobKind.mailPayload(to: "c@example.com", subject: "s", body: "b"),
                    maxAttempts: 1), on: connection)
        }
        let transport = RecordingTransport()
        transport.refuse = ["reject@example.com": .permanent("550 no")]
        let runner = Runner(
            configuration: try RunnerConfiguration(SettingsReader(environment: ["DATABASE_URL": conninfo])),
            connection: try PGConnection(conninfo: conninfo), transport: transport,
            logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() }), owner: "test:1",
            usesWatchdog: false)
        _ = try runner.runOnce()
        let expected = CampaignStatus(state: .failure, result: (1, 1))
        #expect(try store.status(taskID: "kept") == expected)
        #expect(try count("jobs") == 4)

        // Within the retention nothing goes, but the done campaign's result is kept on it.
        let first = try #require(try housekeeping().run(runner: "test"))
        #expect(first.campaignsFinalized == 1 && first.jobs == 0)
        // Past it, every finished job goes; the campaign still answers.
        try connection.query("UPDATE jobs SET finished_at = now() - interval '8 days'")
        let second = try #require(try housekeeping().run(runner: "test"))
        #expect(second.jobs >= 2 && second.campaignsFinalized == 0)
        #expect(try count("jobs") == 0)
        #expect(try store.status(taskID: "kept") == expected)
    }

    @Test func aCampaignStillUnderWayKeepsItsJobs() throws {
        try connection.transaction { connection in
            try CampaignStore(connection: connection).create(
                taskID: "busy", subject: "s", body: "b", recipients: ["a@example.com", "b@example.com"], createdBy: nil,
                maxAttempts: 4)
        }
        // The fan-out is done long ago, one mail too; the other waits for a retry.
        let fanOut: Int64 = try connection.query("SELECT job_id FROM campaign_tasks WHERE task_id = 'busy'")[0].decode(0)
        try connection.query(
            """
            UPDATE jobs SET state = 'succeeded', finished_at = now() - interval '30 days' WHERE id = \(fanOut)
            """)
        try connection.query(
            """
            INSERT INTO jobs (kind, payload, state, parent_id, finished_at) VALUES
                ('mail', '{}', 'succeeded', \(fanOut), now() - interval '30 days'),
                ('mail', '{}', 'retrying', \(fanOut), NULL)
            """)
        let removed = try #require(try housekeeping().run(runner: "test"))
        #expect(removed.jobs == 0 && removed.campaignsFinalized == 0)
        #expect(try count("jobs") == 3)
    }

    @Test func aLargeBacklogGoesInBatches() throws {
        try connection.query(
            """
            INSERT INTO jobs (kind, payload, state, finished_at)
            SELECT 'mail', '{}', 'succeeded', now() - interval '30 days' FROM generate_series(1, 25)
            """)
        #expect(try housekeeping(batchLimit: 10).run(runner: "test")?.jobs == 10)
        #expect(try housekeeping(batchLimit: 10).run(runner: "test")?.jobs == 10)
        #expect(try housekeeping(batchLimit: 10).run(runner: "test")?.jobs == 5)
    }

    @Test func runnersOnSeveralHostsTakeTurns() throws {
        let other = try PGConnection(conninfo: conninfo)
        try other.execute(unsafeSQL: "BEGIN")
        _ = try other.query("SELECT pg_advisory_xact_lock(\(Housekeeping.lockClass), \(Housekeeping.lockKey))")
        #expect(try housekeeping().run(runner: "test") == nil)
        try other.execute(unsafeSQL: "COMMIT")
        #expect(try housekeeping().run(runner: "test") != nil)
    }
}
