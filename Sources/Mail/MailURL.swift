/// Where mail goes: `MAIL_URL`.
///
/// - `maildir:./.data/mail` — files in a maildir folder (`new/`), for development.
/// - `smtp://host[:25]` — plain SMTP (no TLS; credentials are refused here).
/// - `smtp+starttls://user:pass@host[:587]` — SMTP upgraded with STARTTLS before anything else.
/// - `smtps://user:pass@host[:465]` — SMTP inside TLS from the first byte.
///
/// Query parameters: `ca_file=PATH` (PEM file to trust instead of the system's store),
/// `verify=false` (no certificate check at all: development only), `auth=plain|login` (the
/// mechanism; default: PLAIN when offered, else LOGIN), `timeout=SECONDS` (per command, 30),
/// `helo=NAME` (the EHLO name; default: this host's name). User and password are
/// percent-decoded.
public enum MailURL: Sendable, Equatable {
    case maildir(String)
    case smtp(SMTPSettings)

    public struct SMTPSettings: Sendable, Equatable, CustomStringConvertible {
        public enum Security: String, Sendable, Equatable {
            case plain = "smtp"
            case startTLS = "smtp+starttls"
            case implicitTLS = "smtps"
        }

        public enum AuthMechanism: String, Sendable, Equatable {
            case plain
            case login
        }

        public var security: Security
        public var host: String
        public var port: Int
        public var username: String?
        public var password: String?
        public var verifyCertificate = true
        public var caFile: String?
        public var authMechanism: AuthMechanism?
        public var commandTimeoutSeconds: Double = 30
        public var heloName: String?

        /// The URL without its password, for logs.
        public var description: String {
            var text = "\(security.rawValue)://"
            if let username { text += Self.percentEncode(username) + ":***@" }
            text += (host.contains(":") ? "[\(host)]" : host) + ":\(port)"
            var query: [String] = []
            if let caFile { query.append("ca_file=\(caFile)") }
            if !verifyCertificate { query.append("verify=false") }
            if let authMechanism { query.append("auth=\(authMechanism.rawValue)") }
            return query.isEmpty ? text : text + "?" + query.joined(separator: "&")
        }

        static func percentEncode(_ text: String) -> String {
            var out = ""
            for byte in text.utf8 {
                if (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x2D || byte == 0x2E
                    || byte == 0x5F
                {
                    out.unicodeScalars.append(Unicode.Scalar(byte))
                } else {
                    let hex = String(byte, radix: 16, uppercase: true)
                    out += "%" + (hex.count == 1 ? "0" : "") + hex
                }
            }
            return out
        }
    }

    /// A bad `MAIL_URL`; the text never repeats the password.
    public struct ParseError: Error, Sendable, Equatable, CustomStringConvertible {
        public let description: String
    }

    /// The URL without its password, for logs.
    public var redacted: String {
        switch self {
        case .maildir(let path): return "maildir:" + path
        case .smtp(let settings): return settings.description
        }
    }

    public init(parsing text: String) throws(ParseError) {
        if text.hasPrefix("maildir:") {
            var path = String(text.dropFirst("maildir:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else { throw ParseError(description: "maildir: needs a folder, as in maildir:./.data/mail") }
            self = .maildir(path)
            return
        }
        guard let schemeEnd = text.firstRange(of: "://") else {
            throw ParseError(description: "must be maildir:PATH, smtp://, smtp+starttls:// or smtps://")
        }
        guard let security = SMTPSettings.Security(rawValue: text[..<schemeEnd.lowerBound].lowercased()) else {
            throw ParseError(
                description: "unknown scheme \(text[..<schemeEnd.lowerBound]) (smtp, smtp+starttls, smtps or maildir)")
        }
        var rest = Substring(text[schemeEnd.upperBound...])
        var queryText: Substring = ""
        if let question = rest.firstIndex(of: "?") {
            queryText = rest[rest.index(after: question)...]
            rest = rest[..<question]
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        guard !rest.contains("/") else { throw ParseError(description: "an SMTP URL has no path") }
        var username: String?
        var password: String?
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            rest = rest[rest.index(after: at)...]
            let parts = userInfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            username = try Self.percentDecode(parts[0], what: "user name")
            password = parts.count > 1 ? try Self.percentDecode(parts[1], what: "password") : nil
        }
        var host: String
        var portText: Substring?
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { throw ParseError(description: "unclosed [ in the host") }
            host = String(rest[rest.index(after: rest.startIndex)..<close])
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                portText = after.dropFirst()
            } else if !after.isEmpty {
                throw ParseError(description: "unexpected text after the host")
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = String(rest[..<colon])
            portText = rest[rest.index(after: colon)...]
        } else {
            host = String(rest)
        }
        guard !host.isEmpty else { throw ParseError(description: "the SMTP URL needs a host") }
        var port: Int
        switch security {
        case .plain: port = 25
        case .startTLS: port = 587
        case .implicitTLS: port = 465
        }
        if let portText {
            guard let value = Int(portText), (1...65535).contains(value) else {
                throw ParseError(description: "the port must be a number between 1 and 65535")
            }
            port = value
        }
        host = host.lowercased()
        var settings = SMTPSettings(security: security, host: host, port: port, username: username, password: password)
        for pair in queryText.split(separator: "&") where !pair.isEmpty {
            let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let key = String(kv[0])
            let value = kv.count > 1 ? try Self.percentDecode(kv[1], what: key) : ""
            switch key {
            case "ca_file":
                guard !value.isEmpty else { throw ParseError(description: "ca_file needs a path") }
                settings.caFile = value
            case "verify":
                switch value.lowercased() {
                case "true", "1", "yes": settings.verifyCertificate = true
                case "false", "0", "no": settings.verifyCertificate = false
                default: throw ParseError(description: "verify must be true or false")
                }
            case "auth":
                guard let mechanism = SMTPSettings.AuthMechanism(rawValue: value.lowercased()) else {
                    throw ParseError(description: "auth must be plain or login")
                }
                settings.authMechanism = mechanism
            case "timeout":
                guard let seconds = Double(value), seconds >= 1, seconds <= 600 else {
                    throw ParseError(description: "timeout must be between 1 and 600 seconds")
                }
                settings.commandTimeoutSeconds = seconds
            case "helo":
                guard !value.isEmpty, value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
                    throw ParseError(description: "helo must be a host name")
                }
                settings.heloName = value
            default:
                throw ParseError(description: "unknown parameter \(key) (ca_file, verify, auth, timeout, helo)")
            }
        }
        if security == .plain && username != nil {
            throw ParseError(description: "credentials would travel in clear over smtp://: use smtp+starttls:// or smtps://")
        }
        if username != nil && password == nil {
            throw ParseError(description: "a user name needs a password (user:password@host)")
        }
        self = .smtp(settings)
    }

    static func percentDecode(_ text: Substring, what: String) throws(ParseError) -> String {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8)[...]
        while let byte = iterator.popFirst() {
            if byte == UInt8(ascii: "%") {
                guard iterator.count >= 2,
                    let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16)
                else {
                    throw ParseError(description: "bad percent-encoding in the \(what)")
                }
                bytes.append(value)
                iterator = iterator.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw ParseError(description: "the \(what) is not UTF-8")
        }
        return decoded
    }
}
