import AppCore
import JSON
import Postgres
import Testing
import TestSupport

/// The welcome-mail job of a registration and the campaign endpoints, through the router,
/// against PostgreSQL. (Delivery itself is the job runner's: JobsTests and the stack tests.)
@Suite(.enabled(if: TestDatabase.isEnabled, "needs PG_TEST_URL (scripts/test sets it)"))
struct CampaignsTests {
    let client: TestClient

    init() throws {
        client = try TestClient()
    }

    @Test func registrationQueuesTheSeedsWelcomeMail() throws {
        let account = try client.account()
        let rows = try client.sql(
            """
            SELECT kind, state, payload->>'subject', payload->>'body', max_attempts FROM jobs WHERE payload->>'to' = \(account.email)
            """)
        #expect(rows.count == 1)
        let (kind, state, subject, body, attempts) = try rows[0].decode((String, String, String, String, Int).self)
        #expect(kind == "mail" && state == "queued" && attempts == 4)
        #expect(subject == "ご登録ありがとうございます")
        #expect(body == "\(account.username)様、登録が完了しました。")
    }

    @Test func registrationInEnglishQueuesAnEnglishMail() throws {
        let name = TestClient.uniqueName()
        let answer = try client.send(
            "POST", "/api/v1/auth/register",
            json: [
                "username": .string(name), "email": .string("\(name)@example.com"),
                "password": "SecurePass123!", "password_confirm": "SecurePass123!",
            ], headers: [("Accept-Language", "en")])
        #expect(answer.status == 201)
        let subject = try client.sql("SELECT payload->>'subject' FROM jobs WHERE payload->>'to' = \(name + "@example.com")")
        #expect(try subject.first?.decode(0, as: String.self) == "Thank you for registering")
    }

    @Test func refusedRegistrationQueuesNothing() throws {
        let account = try client.account()
        let again = try client.send(
            "POST", "/api/v1/auth/register",
            json: [
                "username": .string(TestClient.uniqueName()), "email": .string(account.email),
                "password": "SecurePass123!", "password_confirm": "SecurePass123!",
            ])
        #expect(again.status == 409)
        #expect(
            try client.sql("SELECT count(*) FROM jobs WHERE payload->>'to' = \(account.email)")[0].decode(0, as: Int.self) == 1)
    }

    @Test func campaignSendNeedsAnAdmin() throws {
        let body: JSONValue = ["recipient_emails": ["a@example.com"], "subject": "s", "body": "b"]
        #expect(try client.send("POST", "/api/v1/campaigns/send", json: body).status == 401)
        let user = try client.account()
        let refused = try client.send("POST", "/api/v1/campaigns/send", json: body, token: user.accessToken)
        #expect(refused.status == 403)
        #expect(refused.detail == "管理者権限が必要です")
    }

    @Test func campaignSendQueuesOneTaskAndReportsPending() throws {
        let admin = try client.account(admin: true)
        let answer = try client.send(
            "POST", "/api/v1/campaigns/send",
            json: [
                "recipient_emails": ["a@Example.com", "b@example.com", "A@example.com"], "subject": "  お知らせ  ", "body": "本文",
            ], token: admin.accessToken)
        #expect(answer.status == 200)
        #expect(answer.object?.keys == ["task_id", "status"])
        #expect(answer.object?["status"] == "queued")
        let taskID = try #require(answer.object?["task_id"]?.stringValue)
        #expect(taskID.count == 36)
        let stored = try client.sql(
            """
            SELECT c.subject, c.recipients::text, c.recipient_count, j.kind, j.state FROM campaign_tasks c JOIN jobs j ON j.id = c.job_id
            WHERE c.task_id = \(taskID)
            """)
        let (subject, recipients, count, kind, state) = try stored[0].decode((String, String, Int, String, String).self)
        #expect(subject == "お知らせ")
        #expect(recipients == #"["a@example.com", "b@example.com"]"#)  // domains lowercased, duplicate folded
        #expect(count == 2 && kind == "campaign.fanout" && state == "queued")
        let status = try client.send("GET", "/api/v1/campaigns/tasks/\(taskID)")
        #expect(status.status == 200)
        #expect(status.body == ["task_id": .string(taskID), "status": "PENDING", "result": nil])
    }

    @Test func campaignStatusAfterTheJobsRan() throws {
        let admin = try client.account(admin: true)
        let answer = try client.send(
            "POST", "/api/v1/campaigns/send",
            json: [
                "recipient_emails": ["a@example.com", "b@example.com"], "subject": "s", "body": "b",
            ], token: admin.accessToken)
        let taskID = try #require(answer.object?["task_id"]?.stringValue)
        // What the runner would do: fan out, deliver one, give up on the other.
        try client.sql(
            """
            WITH parent AS (UPDATE jobs SET state = 'succeeded', finished_at = now()
                            WHERE id = (SELECT job_id FROM campaign_tasks WHERE task_id = \(taskID)) RETURNING id)
            INSERT INTO jobs (kind, payload, state, parent_id, attempts, finished_at)
            SELECT 'mail', '{}', s, parent.id, 1, now() FROM parent, unnest(ARRAY['succeeded', 'failed']) AS s
            """)
        let status = try client.send("GET", "/api/v1/campaigns/tasks/\(taskID)")
        #expect(status.body == ["task_id": .string(taskID), "status": "FAILURE", "result": ["sent": 1, "failed": 1]])
    }

    @Test func campaignValidationReportsEveryField() throws {
        let admin = try client.account(admin: true)
        let tooMany = JSONValue.array((0...1000).map { .string("r\($0)@example.com") })
        let answer = try client.send(
            "POST", "/api/v1/campaigns/send",
            json: [
                "recipient_emails": tooMany, "subject": "line\nbreak", "body": "",
            ], token: admin.accessToken)
        #expect(answer.status == 422)
        let errors = answer.object?["errors"]?.arrayValue?.compactMap { $0.objectValue } ?? []
        #expect(
            Set(errors.compactMap { $0["field"]?.stringValue }) == [
                "body -> recipient_emails", "body -> subject", "body -> body",
            ])
        #expect(errors.contains { $0["type"] == "too_long" })
        let empty = try client.send(
            "POST", "/api/v1/campaigns/send",
            json: [
                "recipient_emails": [], "subject": "s", "body": "b",
            ], token: admin.accessToken)
        #expect(empty.status == 422)
        let badAddress = try client.send(
            "POST", "/api/v1/campaigns/send",
            json: [
                "recipient_emails": ["ok@example.com", "nope"], "subject": "s", "body": "b",
            ], token: admin.accessToken)
        #expect(badAddress.object?["errors"]?[0]?["field"] == "body -> recipient_emails -> 1")
    }

    @Test func unknownTaskIs404InEitherLanguage() throws {
        let japanese = try client.send("GET", "/api/v1/campaigns/tasks/never-issued")
        #expect(japanese.status == 404)
        #expect(japanese.detail == "タスクが見つかりません")
        let english = try client.send("GET", "/api/v1/campaigns/tasks/never-issued", headers: [("Accept-Language", "en")])
        #expect(english.detail == "Task not found")
    }
}
