@testable import Mail
import Testing

/// Parsing SMTP replies, single and multi-line.
struct SMTPReplyTests {
    func parse(_ lines: [String]) throws -> [SMTPReply] {
        var parser = SMTPReplyParser()
        return try lines.compactMap { try parser.feed($0) }
    }

    @Test func singleLine() throws {
        let replies = try parse(["250 2.0.0 OK: queued"])
        #expect(replies == [SMTPReply(code: 250, lines: ["2.0.0 OK: queued"])])
        #expect(replies[0].isPositive)
    }

    @Test func multiLineEhlo() throws {
        let replies = try parse([
            "250-mail.example.com Hello", "250-SIZE 35882577", "250-STARTTLS", "250-AUTH PLAIN LOGIN", "250 8BITMIME",
        ])
        #expect(replies.count == 1)
        let extensions = replies[0].extensions
        #expect(extensions["SIZE"] == "35882577")
        #expect(extensions["STARTTLS"] == "")
        #expect(extensions["AUTH"] == "PLAIN LOGIN")
        #expect(extensions["8BITMIME"] == "")
        #expect(extensions["MAIL.EXAMPLE.COM"] == nil)
    }

    @Test func bareCode() throws {
        #expect(try parse(["354"]) == [SMTPReply(code: 354, lines: [""])])
    }

    @Test func classes() {
        #expect(SMTPReply(code: 451, lines: []).isTransient)
        #expect(SMTPReply(code: 550, lines: []).isPermanent)
        #expect(!SMTPReply(code: 250, lines: []).isPermanent)
    }

    @Test func malformedLinesAreRefused() {
        var parser = SMTPReplyParser()
        #expect(throws: SMTPReplyParser.ParseError.self) { try parser.feed("hello") }
        var mixed = SMTPReplyParser()
        #expect(throws: SMTPReplyParser.ParseError.self) {
            _ = try mixed.feed("250-first")
            _ = try mixed.feed("550 second")
        }
        var odd = SMTPReplyParser()
        #expect(throws: SMTPReplyParser.ParseError.self) { try odd.feed("250+x") }
        var range = SMTPReplyParser()
        #expect(throws: SMTPReplyParser.ParseError.self) { try range.feed("999 nine") }
    }

    @Test func descriptionIsShort() {
        let reply = SMTPReply(code: 550, lines: [String(repeating: "x", count: 1000)])
        #expect(reply.description.count <= 301)
        #expect(reply.description.hasPrefix("550 "))
    }
}
