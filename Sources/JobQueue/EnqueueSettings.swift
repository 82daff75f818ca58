import AppCore

/// What the API gives each job it enqueues (a welcome mail, a campaign's mails).
public struct EnqueueSettings: Sendable, Equatable {
    /// `JOB_MAX_ATTEMPTS`: tries of each job, the first included (the seed's Celery task
    /// retries 3 times: 4).
    public var maxAttempts: Int

    public init(maxAttempts: Int = JobQueue.defaultMaxAttempts) {
        self.maxAttempts = maxAttempts
    }

    /// Reads the settings. Throws the first invalid one.
    public init(_ settings: SettingsReader) throws(ConfigurationError) {
        maxAttempts = try settings.int("JOB_MAX_ATTEMPTS", default: JobQueue.defaultMaxAttempts, range: 1...100)
    }
}
