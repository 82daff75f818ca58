import AppCore
import JSON
import Postgres

/// Campaign tasks (`POST /api/v1/campaigns/send`): one row in `campaign_tasks` and one fan-out
/// job, written in the caller's transaction; the fan-out later creates one mail job per
/// recipient (children of the fan-out job), and the task's status is read from those jobs.
public struct CampaignStore {
    public let connection: PGConnection

    public init(connection: PGConnection) {
        self.connection = connection
    }

    /// Records a campaign and enqueues its fan-out job. `recipients` are validated addresses.
    public func create(
        taskID: String, subject: String, body: String, recipients: [String],
        createdBy userID: Int?, maxAttempts: Int
    ) throws {
        let jobID = try JobQueue.enqueue(
            NewJob(
                kind: JobKind.campaignFanOut, payload: ["task_id": .string(taskID)],
                maxAttempts: maxAttempts), on: connection)
        let list = JSONValue.array(recipients.map { .string($0) }).jsonString
        try connection.query(
            """
            INSERT INTO campaign_tasks (task_id, job_id, subject, body, recipients, recipient_count, created_by)
            VALUES (\(taskID), \(jobID), \(subject), \(body), \(list)::jsonb, \(recipients.count), \(userID))
            """)
    }

    /// The task's status, or nil for an id that was never issued: the result kept on the
    /// campaign once it is done (its jobs may be pruned since), else derived from its jobs.
    public func status(taskID: String) throws -> CampaignStatus? {
        let kept = try connection.query(
            """
            SELECT final_state, sent_count, failed_count FROM campaign_tasks WHERE task_id = \(taskID)
            """)
        guard let row = kept.first else { return nil }
        if let state = try row.decode(0, as: String?.self).flatMap(CampaignStatus.State.init(rawValue:)) {
            return CampaignStatus(state: state, result: (try row.decode(1), try row.decode(2)))
        }
        return try derivedStatus(taskID: taskID)
    }

    /// The status from the campaign's fan-out job and its recipients' mail jobs.
    func derivedStatus(taskID: String) throws -> CampaignStatus? {
        let rows = try connection.query(
            """
            SELECT j.state, c.recipient_count,
                count(m.id) FILTER (WHERE m.state = 'succeeded'),
                count(m.id) FILTER (WHERE m.state = 'failed'),
                count(m.id) FILTER (WHERE m.state = 'retrying'),
                count(m.id)
            FROM campaign_tasks c
            JOIN jobs j ON j.id = c.job_id
            LEFT JOIN jobs m ON m.parent_id = c.job_id
            WHERE c.task_id = \(taskID)
            GROUP BY j.state, c.recipient_count
            """)
        guard let row = rows.first else { return nil }
        guard let fanOut = JobState(rawValue: try row.decode(0)) else {
            throw JobQueueError("unknown job state in the jobs table")
        }
        return CampaignStatus.derive(
            fanOut: fanOut, recipients: try row.decode(1), sent: try row.decode(2),
            failed: try row.decode(3), retrying: try row.decode(4), created: try row.decode(5))
    }

    /// Keeps the result of campaigns that are done (SUCCESS or FAILURE) on the campaign itself,
    /// so that their status survives the pruning of their jobs. Returns how many were kept.
    public func finalizeFinished(limit: Int = 1000) throws -> Int {
        let finished = try connection.query(
            """
            SELECT task_id FROM campaign_tasks c JOIN jobs j ON j.id = c.job_id
            WHERE c.final_state IS NULL AND j.state IN ('succeeded', 'failed')
            ORDER BY c.created_at LIMIT \(limit)
            """)
        var kept = 0
        for row in finished {
            let taskID: String = try row.decode(0)
            guard let status = try derivedStatus(taskID: taskID), let result = status.result,
                status.state == .success || status.state == .failure
            else { continue }
            kept += try connection.query(
                """
                UPDATE campaign_tasks SET final_state = \(status.state.rawValue), sent_count = \(result.sent),
                    failed_count = \(result.failed), finished_at = now()
                WHERE task_id = \(taskID) AND final_state IS NULL
                """
            ).affectedRows
        }
        return kept
    }

    /// The subject and body of a campaign (for its recipients' mails); nil when it is gone.
    public func message(taskID: String) throws -> (subject: String, body: String)? {
        guard let row = try connection.query("SELECT subject, body FROM campaign_tasks WHERE task_id = \(taskID)").first
        else { return nil }
        return (try row.decode(0), try row.decode(1))
    }

    /// Runs a claimed fan-out job: in one transaction, one mail job per recipient (children of
    /// the fan-out job, with its attempt limit) and the fan-out marked done. Either both happen
    /// or neither, so a runner that dies here leaves no half-made campaign. Returns the number of
    /// mails enqueued, or nil when this runner no longer held the job (nothing was changed).
    public func fanOut(_ job: ClaimedJob, store: JobStore) throws -> Int? {
        struct LostJob: Error {}
        do {
            return try connection.transaction { connection in
                let inserted = try connection.query(
                    """
                    INSERT INTO jobs (kind, payload, max_attempts, parent_id)
                    SELECT \(JobKind.mail), jsonb_build_object('to', r.email, 'campaign_task', c.task_id),
                        \(job.maxAttempts), c.job_id
                    FROM campaign_tasks c, jsonb_array_elements_text(c.recipients) WITH ORDINALITY AS r(email, n)
                    WHERE c.job_id = \(job.id)
                      AND NOT EXISTS (SELECT 1 FROM jobs WHERE parent_id = c.job_id)
                    ORDER BY r.n
                    """
                ).affectedRows
                guard try store.succeed(job) else { throw LostJob() }
                return inserted
            }
        } catch is LostJob {
            return nil
        }
    }
}
