/// One plain-text mail to one recipient.
public struct MailMessage: Sendable, Equatable {
    public var from: String
    public var to: String
    public var subject: String
    public var body: String
    /// Without angle brackets, e.g. `job-42.1764390000000000@example.com`: stable across
    /// attempts, so a receiver (or a test) can tell a second delivery of the same mail.
    public var messageID: String
    /// Unix seconds, for the Date header.
    public var date: Int64

    public init(from: String, to: String, subject: String, body: String, messageID: String, date: Int64) {
        self.from = from
        self.to = to
        self.subject = subject
        self.body = body
        self.messageID = messageID
        self.date = date
    }
}
