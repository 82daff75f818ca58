import AppCore
import JSON

/// A job this runner has claimed: it is `running`, locked by the runner until its deadline.
public struct ClaimedJob: Sendable {
    public let id: Int64
    public let kind: String
    public let payload: JSONValue
    /// This attempt's number (1 for the first try).
    public let attempt: Int
    public let maxAttempts: Int
    /// When the job was enqueued, in microseconds since 1970: with `id`, a stable name for the
    /// job across attempts (the mails' Message-ID).
    public let createdAtMicroseconds: Int64
    public let parentID: Int64?

    public init(
        id: Int64, kind: String, payload: JSONValue, attempt: Int, maxAttempts: Int,
        createdAtMicroseconds: Int64, parentID: Int64? = nil
    ) {
        self.id = id
        self.kind = kind
        self.payload = payload
        self.attempt = attempt
        self.maxAttempts = maxAttempts
        self.createdAtMicroseconds = createdAtMicroseconds
        self.parentID = parentID
    }
}
