import AppCore
import JobQueue
import Mail
import Postgres

/// Runs one claimed job by its kind and says how the attempt went. It records nothing itself
/// except what must be atomic with the work (a campaign's fan-out marks itself done in its own
/// transaction); the runner records the other outcomes.
final class JobPerformer {
    private let connection: PGConnection
    private let transport: any MailTransport
    private let mailFrom: String
    private let messageDomain: String
    private let now: () -> Int64
    /// Subjects and bodies of campaigns met in this run, by task id.
    private var campaignMessages: [String: (subject: String, body: String)] = [:]

    enum Outcome {
        /// Done; `recorded` when the job was already marked succeeded (the fan-out).
        case succeeded(recorded: Bool, detail: String?)
        /// The attempt failed; permanent failures are not retried.
        case failed(permanent: Bool, error: String)
        /// This runner no longer holds the job (its deadline passed and it was taken back).
        case lost
    }

    init(connection: PGConnection, transport: any MailTransport, mailFrom: String, now: @escaping () -> Int64) {
        self.connection = connection
        self.transport = transport
        self.mailFrom = mailFrom
        let address = MailAddress.envelope(mailFrom)
        messageDomain = address.split(separator: "@").last.map(String.init) ?? "localhost"
        self.now = now
    }

    func perform(_ job: ClaimedJob, store: JobStore, deadline: Deadline) -> Outcome {
        switch job.kind {
        case JobKind.mail:
            return sendMail(job, deadline: deadline)
        case JobKind.campaignFanOut:
            do {
                guard let count = try CampaignStore(connection: connection).fanOut(job, store: store) else { return .lost }
                return .succeeded(recorded: true, detail: "\(count) mails enqueued")
            } catch let error as PGError {
                return .failed(permanent: false, error: "database: \(error)")
            } catch {
                return .failed(permanent: false, error: "\(error)")
            }
        default:
            return .failed(permanent: true, error: "unknown job kind \(job.kind.prefix(100))")
        }
    }

    private func sendMail(_ job: ClaimedJob, deadline: Deadline) -> Outcome {
        guard let recipient = job.payload["to"]?.stringValue, !recipient.isEmpty else {
            return .failed(permanent: true, error: "the payload has no recipient (\"to\")")
        }
        var subject = job.payload["subject"]?.stringValue
        var body = job.payload["body"]?.stringValue
        if let taskID = job.payload["campaign_task"]?.stringValue {
            do {
                guard let message = try campaignMessage(taskID) else {
                    return .failed(permanent: true, error: "campaign task \(taskID.prefix(40)) no longer exists")
                }
                subject = message.subject
                body = message.body
            } catch {
                return .failed(permanent: false, error: "database: \(error)")
            }
        }
        guard let subject, let body else {
            return .failed(permanent: true, error: "the payload has no subject or body")
        }
        let message = MailMessage(
            from: mailFrom, to: recipient, subject: subject, body: body,
            messageID: "job-\(job.id).\(job.createdAtMicroseconds)@\(messageDomain)", date: now())
        do {
            try transport.send(message, deadline: deadline)
            return .succeeded(recorded: false, detail: nil)
        } catch {
            return .failed(permanent: error.isPermanent, error: error.message)
        }
    }

    private func campaignMessage(_ taskID: String) throws -> (subject: String, body: String)? {
        if let cached = campaignMessages[taskID] { return cached }
        guard let message = try CampaignStore(connection: connection).message(taskID: taskID) else { return nil }
        if campaignMessages.count > 100 { campaignMessages.removeAll() }
        campaignMessages[taskID] = message
        return message
    }
}
