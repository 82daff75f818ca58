/// Delivers mails: SMTP (`SMTPTransport`) or a maildir folder (`MaildirTransport`).
///
/// A transport may keep a connection open between mails (one SMTP session for a batch);
/// `close()` ends it.
public protocol MailTransport: AnyObject {
    /// Delivers `message` or throws why not, by `deadline` at the latest.
    func send(_ message: MailMessage, deadline: Deadline) throws(MailError)
    /// Ends an open connection (QUIT); the next `send` opens a new one.
    func close()
}

/// Builds the transport a `MAIL_URL` names.
public enum MailTransports {
    public static func make(_ url: MailURL, hostName: String) throws(MailError) -> any MailTransport {
        switch url {
        case .maildir(let path):
            return MaildirTransport(directory: path, hostName: hostName)
        case .smtp(let settings):
            return try SMTPTransport(settings: settings, localName: hostName)
        }
    }
}
