import AppCore
import JSON

/// The kinds of job this application enqueues, and their payloads.
public enum JobKind {
    /// One mail: `{"to", "subject", "body"}`, or `{"to", "campaign_task"}` for a campaign's
    /// recipient (subject and body are then read from the campaign, not copied per recipient).
    public static let mail = "mail"
    /// A campaign's fan-out: `{"task_id"}`; creates one `mail` job per recipient.
    public static let campaignFanOut = "campaign.fanout"

    /// The payload of a stand-alone mail.
    public static func mailPayload(to recipient: String, subject: String, body: String) -> JSONValue {
        ["to": .string(recipient), "subject": .string(subject), "body": .string(body)]
    }
}
