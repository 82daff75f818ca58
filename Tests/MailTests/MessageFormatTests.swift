@testable import Mail
import CryptoSupport
import Testing

/// MIME rendering: headers, encoded words, body encodings, line ends.
struct MessageFormatTests {
    let japanese = MailMessage(
        from: "MyAPI <noreply@example.com>", to: "taro@example.com",
        subject: "ご登録ありがとうございます", body: "taro様、登録が完了しました。",
        messageID: "job-1.1000@example.com", date: 1_764_390_000)

    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    func headers(_ bytes: [UInt8]) -> [String] {
        let whole = text(bytes)
        let head = whole[..<whole.firstRange(of: "\r\n\r\n")!.lowerBound]
        return String(head).components(separatedBy: "\r\n")
    }

    func body(_ bytes: [UInt8]) -> String {
        let whole = text(bytes)
        return String(whole[whole.firstRange(of: "\r\n\r\n")!.upperBound...])
    }

    @Test func japaneseMailIsBase64WithEncodedSubject() throws {
        let rendered = MessageFormat.render(japanese)
        let lines = headers(rendered)
        #expect(lines.contains("From: \"MyAPI\" <noreply@example.com>"))
        #expect(lines.contains("To: taro@example.com"))
        #expect(lines.contains("Message-ID: <job-1.1000@example.com>"))
        #expect(lines.contains("MIME-Version: 1.0"))
        #expect(lines.contains("Content-Type: text/plain; charset=UTF-8"))
        #expect(lines.contains("Content-Transfer-Encoding: base64"))
        #expect(lines.contains("Date: Sat, 29 Nov 2025 04:20:00 +0000"))
        let subject = try #require(lines.first { $0.hasPrefix("Subject: ") })
        #expect(subject.hasPrefix("Subject: =?UTF-8?B?"))
        #expect(decodeWords(String(subject.dropFirst("Subject: ".count))) == japanese.subject)
        let encoded = body(rendered).replacing("\r\n", with: "")
        #expect(String(decoding: try #require(Base64.decode(encoded)), as: UTF8.self) == japanese.body)
        // Every byte is ASCII: the message needs no 8BITMIME.
        #expect(rendered.allSatisfy { $0 < 0x80 })
    }

    @Test func longSubjectFoldsIntoWordsOfAtMost75Characters() {
        let subject = String(repeating: "日本語の件名", count: 12)
        let encoded = MessageFormat.encodeHeaderText(subject)
        let words = encoded.components(separatedBy: "\r\n ")
        #expect(words.count > 1)
        #expect(words.allSatisfy { $0.count <= 75 && $0.hasPrefix("=?UTF-8?B?") && $0.hasSuffix("?=") })
        #expect(decodeWords(encoded) == subject)
    }

    @Test func subjectWithLineBreakNeverPassesRaw() {
        let encoded = MessageFormat.encodeHeaderText("Hello\r\nBcc: victim@example.com")
        #expect(!encoded.contains("\r\nBcc"))
        #expect(decodeWords(encoded) == "Hello\r\nBcc: victim@example.com")
    }

    @Test func plainAsciiStaysReadable() {
        let message = MailMessage(
            from: "noreply@example.com", to: "a@example.com", subject: "Hello",
            body: "line one\nline two", messageID: "m@example.com", date: 0)
        let rendered = MessageFormat.render(message)
        #expect(headers(rendered).contains("Subject: Hello"))
        #expect(headers(rendered).contains("Content-Transfer-Encoding: 7bit"))
        #expect(body(rendered) == "line one\r\nline two\r\n")
    }

    @Test func lineEndsBecomeCRLF() {
        #expect(MessageFormat.normalizeLineEnds("a\nb\r\nc\rd") == "a\r\nb\r\nc\r\nd")
    }

    @Test func overlongAsciiLinesGoBase64() {
        #expect(!MessageFormat.isSevenBitSafe(String(repeating: "x", count: 999)))
        #expect(MessageFormat.isSevenBitSafe(String(repeating: "x", count: 998)))
    }

    @Test func dotStuffing() {
        let stuffed = MessageFormat.dotStuffed(Array("a\r\n.b\r\n.\r\n..c\r\nend".utf8))
        #expect(text(stuffed) == "a\r\n..b\r\n..\r\n...c\r\nend\r\n.\r\n")
        #expect(text(MessageFormat.dotStuffed(Array(".first\r\n".utf8))) == "..first\r\n.\r\n")
    }

    @Test func senderHeaderWithJapaneseName() {
        let header = MailAddress.header("山田商店 <shop@example.com>")
        #expect(header.hasPrefix("=?UTF-8?B?"))
        #expect(header.hasSuffix(" <shop@example.com>"))
        #expect(MailAddress.envelope("山田商店 <shop@example.com>") == "shop@example.com")
        #expect(MailAddress.isValidSender("noreply@example.com"))
        #expect(!MailAddress.isValidSender("no reply"))
        #expect(!MailAddress.isValidSender("a@example.com\r\nBcc: x@example.com"))
    }

    @Test func base64RoundTrip() {
        for sample in ["", "f", "fo", "foo", "foob", "fooba", "foobar", "日本"] {
            let encoded = Base64.encode(Array(sample.utf8))
            #expect(Base64.decode(encoded).map { String(decoding: $0, as: UTF8.self) } == sample)
        }
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
    }

    /// Decodes `=?UTF-8?B?…?=` words joined by folding white space.
    func decodeWords(_ text: String) -> String {
        var bytes: [UInt8] = []
        for word in text.components(separatedBy: "\r\n ") {
            let inner = word.dropFirst("=?UTF-8?B?".count).dropLast(2)
            bytes += Base64.decode(String(inner)) ?? []
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension String {
    func components(separatedBy separator: String) -> [String] {
        split(separator: separator, omittingEmptySubsequences: false).map(String.init)
    }
}
