import AppCore
import JobQueue

/// The seed's welcome mail (`send_notification_email` in section 10), now a job written in the
/// registration's own transaction instead of a BackgroundTasks call that dies with the process.
enum WelcomeMail {
    static let subject = Message(ja: "ご登録ありがとうございます", en: "Thank you for registering")

    static func body(username: String) -> Message {
        Message(ja: "\(username)様、登録が完了しました。", en: "\(username), your registration is complete.")
    }

    /// The mail job for a new account, in the language of the registration request.
    static func job(to email: String, username: String, language: MessageLanguage, maxAttempts: Int) -> NewJob {
        NewJob(
            kind: JobKind.mail,
            payload: JobKind.mailPayload(
                to: email, subject: subject.text(in: language),
                body: body(username: username).text(in: language)),
            maxAttempts: maxAttempts)
    }
}
