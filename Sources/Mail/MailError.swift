/// Why a mail could not be delivered, and whether trying again may help.
///
/// `description` is safe to log: it never holds a password (SMTP AUTH exchanges are not quoted).
public struct MailError: Error, Sendable, CustomStringConvertible, Equatable {
    /// Permanent (a 5xx answer to the message or a recipient): retrying would fail the same way.
    /// Temporary (a 4xx answer, a network or TLS failure, a time-out): the job is retried.
    public let isPermanent: Bool
    public let message: String

    public init(permanent: Bool, _ message: String) {
        self.isPermanent = permanent
        self.message = message
    }

    public static func temporary(_ message: String) -> MailError { MailError(permanent: false, message) }
    public static func permanent(_ message: String) -> MailError { MailError(permanent: true, message) }

    public var description: String { message }
}
