/// A campaign task's status as Celery names them, with its counts once it is done.
public struct CampaignStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        case pending = "PENDING"
        case started = "STARTED"
        case retry = "RETRY"
        case success = "SUCCESS"
        case failure = "FAILURE"
    }

    public let state: State
    /// Mails delivered and given up; set once every recipient is done (nil before).
    public let result: (sent: Int, failed: Int)?

    public init(state: State, result: (sent: Int, failed: Int)?) {
        self.state = state
        self.result = result
    }

    public static func == (lhs: CampaignStatus, rhs: CampaignStatus) -> Bool {
        lhs.state == rhs.state && lhs.result?.sent == rhs.result?.sent && lhs.result?.failed == rhs.result?.failed
    }

    /// The status from the fan-out job's state and its recipients' mail jobs.
    ///
    /// - PENDING: the fan-out has not run yet; STARTED: it runs, or mails are on their way;
    ///   RETRY: the fan-out or a recipient's mail waits for another attempt;
    ///   SUCCESS: every recipient got the mail; FAILURE: every recipient is done and some (or,
    ///   when the fan-out itself failed, all) could not be sent, as Celery reports a task whose
    ///   retries are exhausted.
    public static func derive(
        fanOut: JobState, recipients: Int, sent: Int, failed: Int, retrying: Int,
        created: Int
    ) -> CampaignStatus {
        switch fanOut {
        case .queued:
            return CampaignStatus(state: .pending, result: nil)
        case .running:
            return CampaignStatus(state: .started, result: nil)
        case .retrying:
            return CampaignStatus(state: .retry, result: nil)
        case .failed:
            return CampaignStatus(state: .failure, result: (sent, recipients - sent))
        case .succeeded:
            if retrying > 0 { return CampaignStatus(state: .retry, result: nil) }
            guard sent + failed >= created else { return CampaignStatus(state: .started, result: nil) }
            return CampaignStatus(state: failed == 0 ? .success : .failure, result: (sent, failed))
        }
    }
}
