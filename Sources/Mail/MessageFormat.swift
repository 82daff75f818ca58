import Glibc
import CryptoSupport

/// Turns a `MailMessage` into RFC 5322 / MIME text, and that text into the bytes of an SMTP
/// DATA phase.
///
/// - Subject: kept as is when it is short printable ASCII, else RFC 2047 encoded words
///   (`=?UTF-8?B?…?=`), each at most 75 characters and cut only between characters, folded
///   onto continuation lines.
/// - Body: `text/plain; charset=UTF-8`. Plain ASCII with lines of at most 998 characters goes
///   as `7bit`; anything else (the seed's Japanese texts) as `base64` in 76-character lines.
///   Line ends become CRLF.
public enum MessageFormat {
    /// The complete message, header and body, with CRLF line ends (not dot-stuffed).
    public static func render(_ message: MailMessage) -> [UInt8] {
        var header = ""
        header += "Date: " + rfc5322Date(message.date) + "\r\n"
        header += "From: " + MailAddress.header(message.from) + "\r\n"
        header += "To: " + message.to + "\r\n"
        header += "Subject: " + encodeHeaderText(message.subject, nameLength: "Subject: ".count) + "\r\n"
        header += "Message-ID: <" + message.messageID + ">\r\n"
        header += "MIME-Version: 1.0\r\n"
        header += "Content-Type: text/plain; charset=UTF-8\r\n"
        let text = normalizeLineEnds(message.body)
        var bytes: [UInt8]
        if isSevenBitSafe(text) {
            header += "Content-Transfer-Encoding: 7bit\r\n\r\n"
            bytes = Array(header.utf8)
            bytes += Array(text.utf8)
            if !text.isEmpty && !text.hasSuffix("\r\n") { bytes += [13, 10] }
        } else {
            header += "Content-Transfer-Encoding: base64\r\n\r\n"
            bytes = Array(header.utf8)
            let encoded = Array(Base64.encode(text.utf8).utf8)
            var offset = 0
            while offset < encoded.count {
                let end = min(offset + 76, encoded.count)
                bytes += encoded[offset..<end]
                bytes += [13, 10]
                offset = end
            }
        }
        return bytes
    }

    /// A header value: as is when printable ASCII and short, else encoded words of UTF-8.
    /// Control characters (a CR or LF that would start a new header) never pass through raw.
    public static func encodeHeaderText(_ text: String, nameLength: Int = 9) -> String {
        let printable = text.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value < 0x7F }
        if printable && nameLength + text.utf8.count <= 78 && !text.contains("=?") {
            return text
        }
        // Each word: "=?UTF-8?B?" + base64 + "?=" ≤ 75 characters → at most 45 bytes of text
        // (60 base64 characters); characters are never split between words.
        var words: [String] = []
        var chunk: [UInt8] = []
        for character in text {
            let bytes = Array(String(character).utf8)
            if chunk.count + bytes.count > 45 && !chunk.isEmpty {
                words.append("=?UTF-8?B?" + Base64.encode(chunk) + "?=")
                chunk = []
            }
            chunk += bytes
        }
        if !chunk.isEmpty || words.isEmpty {
            words.append("=?UTF-8?B?" + Base64.encode(chunk) + "?=")
        }
        return words.joined(separator: "\r\n ")
    }

    /// The DATA phase of SMTP: every line starting with "." gets a second "." (RFC 5321
    /// 4.5.2), the text ends with CRLF, and the terminating ".\r\n" follows.
    public static func dotStuffed(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(message.count + message.count / 64 + 5)
        var atLineStart = true
        for byte in message {
            if atLineStart && byte == UInt8(ascii: ".") { out.append(byte) }
            out.append(byte)
            atLineStart = byte == 10
        }
        if !out.isEmpty && !(out.count >= 2 && out[out.count - 2] == 13 && out[out.count - 1] == 10) {
            out += [13, 10]
        }
        out += Array(".\r\n".utf8)
        return out
    }

    /// CR, LF and CRLF all become CRLF.
    static func normalizeLineEnds(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        var previousCR = false
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\r":
                out += "\r\n"
                previousCR = true
                continue
            case "\n":
                if !previousCR { out += "\r\n" }
            default:
                out.unicodeScalars.append(scalar)
            }
            previousCR = false
        }
        return out
    }

    /// ASCII without NUL or stray CR/LF, lines of at most 998 bytes.
    static func isSevenBitSafe(_ text: String) -> Bool {
        var lineLength = 0
        for byte in text.utf8 {
            guard byte < 0x80, byte != 0 else { return false }
            if byte == 10 || byte == 13 {
                lineLength = 0
            } else {
                lineLength += 1
                if lineLength > 998 { return false }
            }
        }
        return true
    }

    /// `Sat, 29 Nov 2026 05:00:00 +0000`.
    public static func rfc5322Date(_ unixSeconds: Int64) -> String {
        var seconds = time_t(unixSeconds)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(days[Int(parts.tm_wday)]), \(parts.tm_mday) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) +0000"
    }
}
