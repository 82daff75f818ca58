/// Where a job is in its life (the `jobs.state` column).
///
/// `queued` → `running` → `succeeded`, or `failed` (a permanent error, or out of attempts), or
/// `retrying` (waits for `run_at`, then is claimed again).
public enum JobState: String, Sendable, CaseIterable {
    case queued
    case running
    case retrying
    case succeeded
    case failed
}
