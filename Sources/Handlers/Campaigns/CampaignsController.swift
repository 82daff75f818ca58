import AppCore
import CryptoSupport
import JSON
import JobQueue

/// `/api/v1/campaigns`: bulk mail (the seed's Celery `send_bulk_email`). Sending writes one
/// campaign task and its fan-out job in the request's transaction; the job runner later fans it
/// out into one mail job per recipient. The task's status is read from those jobs.
public enum CampaignsController {
    static let taskID = Parameter.path("task_id", .string(StringRule(minLength: 1, strip: false)), description: "送信時に返されたタスクID")

    public static func routes() -> [Route<AppContext>] {
        [
            Route(
                "POST", "/api/v1/campaigns/send",
                Operation(
                    summary: "キャンペーンメール送信", tags: ["キャンペーン"], parameters: [HeaderParameters.idempotencyKey],
                    body: CampaignCreate.schema, name: "send_campaign",
                    description: "管理者のみ。宛先ごとのメールはジョブランナーが送り、結果はタスクIDで確認できる。",
                    access: .admin, response: .object(CampaignSchemas.queued),
                    bodyExample: [
                        "recipient_emails": ["user1@example.com", "user2@example.com"],
                        "subject": "新機能のお知らせ", "body": "いつもご利用ありがとうございます。",
                    ]
                )
            ) { input, context, admin in
                try send(input.body(CampaignCreate.self), request: input.request, admin: admin, context: context)
            },
            Route(
                "GET", "/api/v1/campaigns/tasks/{task_id}",
                Operation(
                    summary: "キャンペーンタスクの状態", tags: ["キャンペーン"], parameters: [taskID], name: "get_task_status",
                    description: "PENDING → STARTED → SUCCESS / FAILURE（途中で RETRY）。result は完了後に送信数と失敗数。",
                    response: .object(CampaignSchemas.status),
                    responses: [404: .error("発行されていないタスクID", detail: Message.campaignTaskNotFound.japanese)]
                )
            ) { input, context in
                try status(input, context: context)
            },
        ]
    }

    static func send(_ campaign: CampaignCreate, request: Request, admin: User, context: AppContext) throws -> Response {
        try context.database.withConnection { connection in
            try Idempotency.run(
                request, scope: "user:\(admin.id)",
                fingerprintKey: context.idempotencyFingerprints, connection: connection
            ) { connection in
                try Authenticator.holdAccount(admin, connection: connection)
                let taskID = try makeTaskID()
                try CampaignStore(connection: connection).create(
                    taskID: taskID, subject: campaign.subject, body: campaign.body, recipients: campaign.recipients,
                    createdBy: admin.id,
                    maxAttempts: context.jobs.maxAttempts)
                context.logger.info(
                    "Campaign queued",
                    metadata: [
                        "request.id": "\(request.id)", "campaign.task": "\(taskID)",
                        "campaign.recipients": "\(campaign.recipients.count)",
                    ])
                return Response.json { json in
                    json.beginObject()
                    json.key("task_id")
                    json.value(taskID)
                    json.key("status")
                    json.value("queued")
                    json.endObject()
                }
            }
        }
    }

    static func status(_ input: RouteInput, context: AppContext) throws -> Response {
        let id = input.text(taskID)
        let status = try context.database.withConnection { connection in
            try CampaignStore(connection: connection).status(taskID: id)
        }
        guard let status else { throw HTTPError(.notFound, .campaignTaskNotFound) }
        return Response.json { json in
            json.beginObject()
            json.key("task_id")
            json.value(id)
            json.key("status")
            json.value(status.state.rawValue)
            json.key("result")
            if let result = status.result {
                json.beginObject()
                json.key("sent")
                json.value(result.sent)
                json.key("failed")
                json.value(result.failed)
                json.endObject()
            } else {
                json.value(JSONValue.null)
            }
            json.endObject()
        }
    }

    /// A random (version 4) UUID, as Celery's task ids.
    static func makeTaskID() throws -> String {
        var bytes = try SecureRandom.bytes(16)
        bytes[6] = bytes[6] & 0x0F | 0x40
        bytes[8] = bytes[8] & 0x3F | 0x80
        let hex = Hex.encode(bytes)
        let parts = [
            hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4),
            hex.dropFirst(16).prefix(4), hex.dropFirst(20),
        ]
        return parts.joined(separator: "-")
    }
}
