import AppCore
import JSON

/// Request and response bodies of `/api/v1/campaigns`, declared once for validation and the
/// OpenAPI document.
enum CampaignSchemas {
    /// Recipients per campaign: enough for a newsletter to a small user base, small enough that
    /// one fan-out stays a short transaction (larger lists: several campaigns).
    static let maxRecipients = 1000

    /// The seed's `CampaignCreate`: recipient_emails, subject, body.
    static let send = ObjectSchema(
        name: "CampaignCreate",
        fields: [
            FieldSchema(
                "recipient_emails",
                .array(
                    ArrayRule(
                        items: .string(StringRule(format: .email)),
                        minItems: 1, maxItems: maxRecipients)),
                description: "宛先メールアドレス（1〜\(maxRecipients)件、重複は1通にまとめる）"),
            FieldSchema(
                "subject", .string(StringRule(minLength: 1, maxLength: 200)), description: "件名（改行不可）",
                validate: { value in
                    guard let text = value.stringValue,
                        text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
                    else { return nil }
                    return .subjectHasControlCharacters
                }),
            FieldSchema("body", .string(StringRule(minLength: 1, maxLength: 100_000)), description: "本文（テキスト）"),
        ])

    static let queued = ObjectSchema(
        name: "CampaignQueued",
        fields: [
            FieldSchema("task_id", .string(StringRule(strip: false)), examples: ["9b2f1c3e-5d4a-4e8b-9f0a-1c2d3e4f5a6b"]),
            FieldSchema("status", .string(StringRule(pattern: "^queued$", strip: false)), examples: ["queued"]),
        ])

    static let result = ObjectSchema(
        name: "CampaignResult",
        fields: [
            FieldSchema("sent", .integer(IntegerRule(minimum: 0)), description: "送信できた宛先の数"),
            FieldSchema("failed", .integer(IntegerRule(minimum: 0)), description: "送信をあきらめた宛先の数"),
        ])

    static let status = ObjectSchema(
        name: "CampaignTaskStatus",
        fields: [
            FieldSchema("task_id", .string(StringRule(strip: false))),
            FieldSchema(
                "status", .string(StringRule(pattern: "^(PENDING|STARTED|RETRY|SUCCESS|FAILURE)$", strip: false)),
                examples: ["SUCCESS"]),
            FieldSchema("result", .object(result), nullable: true, description: "完了するまで null"),
        ])
}

extension Message {
    static let subjectHasControlCharacters = Message(
        ja: "件名に改行や制御文字は使えません", en: "The subject cannot contain line breaks or control characters")
    static let campaignTaskNotFound = Message(ja: "タスクが見つかりません", en: "Task not found")
}

/// A campaign to send: its recipients once each (addresses compared without case), subject, body.
struct CampaignCreate: RequestBody {
    static var schema: ObjectSchema { CampaignSchemas.send }

    let recipients: [String]
    let subject: String
    let body: String

    init(validated body: JSONObject) {
        var seen = Set<String>()
        recipients = body.texts("recipient_emails").filter { seen.insert($0.lowercased()).inserted }
        subject = body.text("subject")
        self.body = body.text("body")
    }
}
