@testable import Mail
import Testing

/// `MAIL_URL` parsing.
struct MailURLTests {
    @Test func maildir() throws {
        #expect(try MailURL(parsing: "maildir:./.data/mail") == .maildir("./.data/mail"))
        #expect(try MailURL(parsing: "maildir:///var/mail/app") == .maildir("/var/mail/app"))
        #expect(throws: MailURL.ParseError.self) { try MailURL(parsing: "maildir:") }
    }

    @Test func schemesAndDefaultPorts() throws {
        guard case .smtp(let plain) = try MailURL(parsing: "smtp://mail.example.com") else {
            Issue.record()
            return
        }
        #expect(plain.security == .plain && plain.port == 25 && plain.username == nil && plain.verifyCertificate)
        guard case .smtp(let starttls) = try MailURL(parsing: "smtp+starttls://u:p@Mail.Example.com") else {
            Issue.record()
            return
        }
        #expect(starttls.security == .startTLS && starttls.port == 587 && starttls.host == "mail.example.com")
        guard case .smtp(let tls) = try MailURL(parsing: "smtps://u:p@mail.example.com:2465/") else {
            Issue.record()
            return
        }
        #expect(tls.security == .implicitTLS && tls.port == 2465)
    }

    @Test func credentialsArePercentDecodedAndNeverShown() throws {
        guard case .smtp(let settings) = try MailURL(parsing: "smtps://user%40example.com:p%40ss%3Aword@smtp.example.com")
        else {
            Issue.record()
            return
        }
        #expect(settings.username == "user@example.com")
        #expect(settings.password == "p@ss:word")
        #expect(!settings.description.contains("p@ss"))
        #expect(!settings.description.contains("p%40ss"))
        #expect(settings.description == "smtps://user%40example.com:***@smtp.example.com:465")
    }

    @Test func queryParameters() throws {
        guard
            case .smtp(let settings) = try MailURL(
                parsing:
                    "smtp+starttls://u:p@[::1]:2525?ca_file=/etc/ca.pem&verify=false&auth=login&timeout=5&helo=app.example.com")
        else {
            Issue.record()
            return
        }
        #expect(settings.host == "::1" && settings.port == 2525)
        #expect(settings.caFile == "/etc/ca.pem")
        #expect(!settings.verifyCertificate)
        #expect(settings.authMechanism == .login)
        #expect(settings.commandTimeoutSeconds == 5)
        #expect(settings.heloName == "app.example.com")
    }

    @Test func badURLs() {
        for text in [
            "http://example.com", "smtp://", "smtp://host:0", "smtp://host:99999", "smtp://host/path",
            "smtp://host?verify=maybe", "smtp://host?unknown=1", "smtp://user:pw@host", "smtps://user@host",
            "mail.example.com", "smtps://u:p@host?timeout=0", "smtps://u:%zz@host",
        ] {
            #expect(throws: MailURL.ParseError.self, "\(text)") { try MailURL(parsing: text) }
        }
    }

    @Test func errorsNeverRepeatThePassword() {
        do {
            _ = try MailURL(parsing: "smtp://user:hunter2@host")
            Issue.record("accepted")
        } catch {
            #expect(!error.description.contains("hunter2"))
        }
    }
}
