import Logging
import Postgres

extension Startup {
    /// Whether PostgreSQL has room for the `need` sessions a process is about to hold (README,
    /// "Several hosts"). Logs the budget (a notice) or why it could not be read (a warning), and
    /// returns the line to stop with, or nil to go on.
    ///
    /// ```swift
    /// if let refusal = Startup.connectionBudgetRefusal(
    ///     conninfo: url, need: 2, holder: "this chat daemon", reason: "one to store, one to LISTEN", logger: logger)
    /// { fail(refusal) }
    /// ```
    public static func connectionBudgetRefusal(
        conninfo: String, need: Int, holder: String, reason: String, logger: Logger
    ) -> String? {
        let verdict = ConnectionBudget.check(conninfo: conninfo, need: need)
        if let report = verdict.report(need: need) {
            logger.log(
                level: report.isWarning ? .warning : .notice, "\(report.message)",
                metadata: report.metadata.mapValues { .string($0) })
        }
        return verdict.refusal(need: need, holder: holder, reason: reason)
    }
}
