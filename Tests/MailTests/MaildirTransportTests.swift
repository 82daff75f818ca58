import Glibc
@testable import Mail
import Testing

/// The development transport writes complete files into DIR/new.
struct MaildirTransportTests {
    @Test func deliversIntoNew() throws {
        let directory = "/tmp/maildir-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max))/nested/mail"
        let transport = MaildirTransport(directory: directory, hostName: "host/with:odd")
        let message = MailMessage(
            from: "noreply@example.com", to: "a@example.com", subject: "件名", body: "本文",
            messageID: "m1@example.com", date: 0)
        try transport.send(message, deadline: .after(seconds: 5))
        try transport.send(message, deadline: .after(seconds: 5))
        let folder = try #require(opendir(directory + "/new"))
        defer { closedir(folder) }
        var names: [String] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if !name.hasPrefix(".") { names.append(name) }
        }
        #expect(names.count == 2)
        #expect(names.allSatisfy { $0.hasSuffix(".host_with_odd") })
        let file = try #require(fopen(directory + "/new/" + names[0], "r"))
        defer { fclose(file) }
        var buffer = [CChar](repeating: 0, count: 256)
        #expect(fgets(&buffer, 256, file) != nil)
        #expect(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).hasPrefix("Date: "))
    }
}
