/// The one error type of the JobQueue module (database errors come through as `PGError`).
public struct JobQueueError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}
