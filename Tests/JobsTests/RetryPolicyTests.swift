import JobQueue
import Testing

/// Backoff and the retry-or-fail decision.
struct RetryPolicyTests {
    @Test func seedDefaultsAreSixtySecondsApart() {
        let policy = RetryPolicy()
        #expect((1...3).map(policy.delay(afterAttempt:)) == [60, 60, 60])
        #expect(policy.outcome(afterAttempt: 1, of: 4, permanent: false) == .retry(afterSeconds: 60))
        #expect(policy.outcome(afterAttempt: 3, of: 4, permanent: false) == .retry(afterSeconds: 60))
        #expect(policy.outcome(afterAttempt: 4, of: 4, permanent: false) == .fail)
    }

    @Test func exponentialBackoffIsCapped() {
        let policy = RetryPolicy(baseDelaySeconds: 60, factor: 2, maxDelaySeconds: 300)
        #expect((1...6).map(policy.delay(afterAttempt:)) == [60, 120, 240, 300, 300, 300])
        let huge = RetryPolicy(baseDelaySeconds: 60, factor: 10, maxDelaySeconds: Int.max)
        #expect(huge.delay(afterAttempt: 1000) > 0)
    }

    @Test func permanentErrorsFailAtOnce() {
        #expect(RetryPolicy().outcome(afterAttempt: 1, of: 4, permanent: true) == .fail)
    }

    @Test func zeroDelayAndOneAttempt() {
        #expect(RetryPolicy(baseDelaySeconds: 0).delay(afterAttempt: 3) == 0)
        #expect(RetryPolicy().outcome(afterAttempt: 1, of: 1, permanent: false) == .fail)
    }
}

/// A campaign task's status from its jobs.
struct CampaignStatusTests {
    func derive(_ fanOut: JobState, sent: Int = 0, failed: Int = 0, retrying: Int = 0, created: Int = 0) -> CampaignStatus {
        CampaignStatus.derive(fanOut: fanOut, recipients: 3, sent: sent, failed: failed, retrying: retrying, created: created)
    }

    @Test func beforeAndDuringTheFanOut() {
        #expect(derive(.queued) == CampaignStatus(state: .pending, result: nil))
        #expect(derive(.running) == CampaignStatus(state: .started, result: nil))
        #expect(derive(.retrying) == CampaignStatus(state: .retry, result: nil))
        #expect(derive(.failed) == CampaignStatus(state: .failure, result: (0, 3)))
    }

    @Test func afterTheFanOut() {
        #expect(derive(.succeeded, sent: 1, created: 3) == CampaignStatus(state: .started, result: nil))
        #expect(derive(.succeeded, sent: 1, retrying: 1, created: 3) == CampaignStatus(state: .retry, result: nil))
        #expect(derive(.succeeded, sent: 3, created: 3) == CampaignStatus(state: .success, result: (3, 0)))
        #expect(derive(.succeeded, sent: 2, failed: 1, created: 3) == CampaignStatus(state: .failure, result: (2, 1)))
    }
}
