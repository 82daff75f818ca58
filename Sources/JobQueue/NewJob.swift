import AppCore
import JSON

/// A job to enqueue: what to do (`kind`), its arguments (`payload`, a JSON object) and how often
/// it may be tried.
public struct NewJob: Sendable {
    public var kind: String
    public var payload: JSONValue
    /// Tries in all, the first included (the seed's 3 retries → 4).
    public var maxAttempts: Int
    /// Seconds from now before the job is due (0: at once).
    public var delaySeconds: Int

    public init(kind: String, payload: JSONValue, maxAttempts: Int = JobQueue.defaultMaxAttempts, delaySeconds: Int = 0) {
        precondition(maxAttempts >= 1, "a job needs at least one attempt")
        self.kind = kind
        self.payload = payload
        self.maxAttempts = maxAttempts
        self.delaySeconds = delaySeconds
    }
}
