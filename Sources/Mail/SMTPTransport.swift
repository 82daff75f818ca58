import CryptoSupport

/// An SMTP client (RFC 5321) on OpenSSL: plain, STARTTLS or implicit TLS, AUTH PLAIN or LOGIN,
/// certificate verification on unless the URL turns it off. One session is kept open across
/// mails (a runner's batch), with RSET after a refused mail, and re-opened when it broke.
///
/// Answers decide what becomes of a mail: 5xx to MAIL FROM, RCPT TO or the message is permanent
/// (the job fails at once); 4xx, network and TLS failures, time-outs, and any failure while
/// opening the session (greeting, EHLO, STARTTLS, AUTH: the server's or our set-up's trouble,
/// not this mail's) are temporary (the job is retried).
public final class SMTPTransport: MailTransport {
    public let settings: MailURL.SMTPSettings
    private let localName: String
    private let tlsContext: TLSClientContext?
    private var stream: SocketStream?
    private var extensions: [String: String] = [:]
    /// Set once the message text went out: a failure after that must not resend it at once.
    private var messageWritten = false

    public init(settings: MailURL.SMTPSettings, localName: String) throws(MailError) {
        self.settings = settings
        self.localName = settings.heloName ?? (localName.isEmpty ? "localhost" : localName)
        if settings.security == .plain {
            tlsContext = nil
        } else {
            do {
                tlsContext = try TLSClientContext(verifyPeer: settings.verifyCertificate, caFile: settings.caFile)
            } catch {
                throw .temporary("TLS set-up failed: \(error)")
            }
        }
    }

    deinit {
        stream?.close()
    }

    public func send(_ message: MailMessage, deadline: Deadline) throws(MailError) {
        let reused = stream != nil
        messageWritten = false
        do {
            try transaction(message, deadline: deadline)
        } catch  where reused && !error.isPermanent && stream == nil && !messageWritten && !deadline.hasPassed {
            // A kept session that died while idle (the server's time-out): once more, afresh.
            try transaction(message, deadline: deadline)
        }
    }

    public func close() {
        guard let stream else { return }
        let deadline = Deadline.after(seconds: 2)
        try? stream.write(Array("QUIT\r\n".utf8), deadline: deadline)
        _ = try? readReply(stream, deadline: deadline)
        stream.close()
        self.stream = nil
    }

    // MARK: - One mail

    private func transaction(_ message: MailMessage, deadline: Deadline) throws(MailError) {
        let stream = try openSession(deadline: deadline)
        let sender = MailAddress.envelope(message.from)
        let recipient = MailAddress.envelope(message.to)
        var mailParameters = ""
        if !sender.utf8.allSatisfy({ $0 < 0x80 }) || !recipient.utf8.allSatisfy({ $0 < 0x80 }) {
            guard extensions["SMTPUTF8"] != nil else {
                throw .permanent("the address needs SMTPUTF8, which the server does not offer")
            }
            mailParameters = " SMTPUTF8"
        }
        let data = MessageFormat.dotStuffed(MessageFormat.render(message))
        if let limit = extensions["SIZE"].flatMap({ Int($0) }), limit > 0, data.count > limit {
            throw .permanent("the message (\(data.count) bytes) is larger than the server's SIZE \(limit)")
        }
        try expect(command("MAIL FROM:<\(sender)>\(mailParameters)", stream, deadline), "MAIL FROM", stream, deadline)
        try expect(command("RCPT TO:<\(recipient)>", stream, deadline), "RCPT TO", stream, deadline)
        let dataReply = try command("DATA", stream, deadline)
        guard dataReply.code == 354 else { try refuse(dataReply, "DATA", stream, deadline) }
        messageWritten = true
        try write(data, stream, deadline)
        try expect(try reply(stream, deadline), "the message", stream, deadline)
    }

    /// A 2xx answer, else the mail is refused: RSET so the session can carry the next mail.
    private func expect(_ reply: SMTPReply, _ step: String, _ stream: SocketStream, _ deadline: Deadline) throws(MailError) {
        guard (200..<300).contains(reply.code) else { try refuse(reply, step, stream, deadline) }
    }

    private func refuse(
        _ reply: SMTPReply, _ step: String, _ stream: SocketStream, _ deadline: Deadline
    ) throws(MailError) -> Never {
        if (try? command("RSET", stream, deadline))?.code != 250 { drop() }
        throw MailError(permanent: reply.isPermanent, "\(step) refused: \(reply)")
    }

    // MARK: - The session

    private func openSession(deadline: Deadline) throws(MailError) -> SocketStream {
        if let stream { return stream }
        let step = commandDeadline(deadline)
        let stream = try SocketStream.connect(host: settings.host, port: settings.port, deadline: step)
        self.stream = stream
        do throws(MailError) {
            if settings.security == .implicitTLS, let tlsContext {
                try stream.startTLS(context: tlsContext, serverName: settings.host, deadline: commandDeadline(deadline))
            }
            let greeting = try readReply(stream, deadline: commandDeadline(deadline))
            guard greeting.code == 220 else { throw MailError.temporary("the server's greeting was \(greeting)") }
            try hello(stream, deadline)
            if settings.security == .startTLS, let tlsContext {
                guard extensions["STARTTLS"] != nil else {
                    throw MailError.temporary("the server does not offer STARTTLS (smtp+starttls:// requires it)")
                }
                let ready = try command("STARTTLS", stream, deadline)
                guard ready.code == 220 else { throw MailError.temporary("STARTTLS refused: \(ready)") }
                guard !stream.hasBufferedInput else { throw MailError.temporary("the server sent data before the TLS handshake") }
                try stream.startTLS(context: tlsContext, serverName: settings.host, deadline: commandDeadline(deadline))
                try hello(stream, deadline)
            }
            if let username = settings.username, let password = settings.password {
                try authenticate(username: username, password: password, stream, deadline)
            }
            return stream
        } catch {
            drop()
            throw error
        }
    }

    private func hello(_ stream: SocketStream, _ deadline: Deadline) throws(MailError) {
        let reply = try command("EHLO \(localName)", stream, deadline)
        guard reply.code == 250 else { throw .temporary("EHLO refused: \(reply)") }
        extensions = reply.extensions
    }

    /// AUTH PLAIN (RFC 4616) or LOGIN. The exchanges carry the credentials and are never quoted
    /// in errors or logs; only the server's final answer is.
    private func authenticate(username: String, password: String, _ stream: SocketStream, _ deadline: Deadline) throws(MailError)
    {
        let offered = Set((extensions["AUTH"] ?? "").uppercased().split(separator: " ").map(String.init))
        let mechanism: MailURL.SMTPSettings.AuthMechanism
        if let chosen = settings.authMechanism {
            mechanism = chosen
        } else if offered.contains("PLAIN") {
            mechanism = .plain
        } else if offered.contains("LOGIN") {
            mechanism = .login
        } else {
            throw .temporary(
                "the server offers no AUTH mechanism we speak (PLAIN, LOGIN): \(offered.sorted().joined(separator: " "))")
        }
        let final: SMTPReply
        switch mechanism {
        case .plain:
            let token = Base64.encode([0] + Array(username.utf8) + [0] + Array(password.utf8))
            final = try command("AUTH PLAIN \(token)", stream, deadline)
        case .login:
            let start = try command("AUTH LOGIN", stream, deadline)
            guard start.code == 334 else { throw .temporary("AUTH LOGIN refused: \(start)") }
            let user = try command(Base64.encode(Array(username.utf8)), stream, deadline)
            guard user.code == 334 else { throw .temporary("AUTH LOGIN refused the user name: \(user.code)") }
            final = try command(Base64.encode(Array(password.utf8)), stream, deadline)
        }
        guard final.code == 235 else { throw .temporary("authentication failed: \(final)") }
    }

    // MARK: - Lines

    private func command(_ line: String, _ stream: SocketStream, _ deadline: Deadline) throws(MailError) -> SMTPReply {
        try write(Array((line + "\r\n").utf8), stream, deadline)
        return try reply(stream, deadline)
    }

    private func write(_ bytes: [UInt8], _ stream: SocketStream, _ deadline: Deadline) throws(MailError) {
        do {
            try stream.write(bytes, deadline: commandDeadline(deadline))
        } catch {
            drop()
            throw error
        }
    }

    private func reply(_ stream: SocketStream, _ deadline: Deadline) throws(MailError) -> SMTPReply {
        do {
            return try readReply(stream, deadline: commandDeadline(deadline))
        } catch {
            drop()
            throw error
        }
    }

    private func readReply(_ stream: SocketStream, deadline: Deadline) throws(MailError) -> SMTPReply {
        var parser = SMTPReplyParser()
        var lines = 0
        while true {
            let line = try stream.readLine(deadline: deadline)
            lines += 1
            guard lines <= 100 else { throw .temporary("the server's reply has too many lines") }
            do {
                if let reply = try parser.feed(line) { return reply }
            } catch {
                throw .temporary("the server's reply is not SMTP: \(error)")
            }
        }
    }

    /// One command may take `commandTimeoutSeconds`, and never past the job's deadline.
    private func commandDeadline(_ deadline: Deadline) -> Deadline {
        Deadline.after(seconds: settings.commandTimeoutSeconds).capped(at: deadline)
    }

    private func drop() {
        stream?.close()
        stream = nil
    }
}
