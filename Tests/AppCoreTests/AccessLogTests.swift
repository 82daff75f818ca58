import Glibc
import JSON
import Testing
@testable import AppCore

/// The per-request log line: JSON, the contract's fields, nothing from the body or headers.
struct AccessLogTests {
    @Test func oneJsonLinePerRequestWithoutSecrets() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let log = AccessLog(fileDescriptor: fds[1])
        var headers = HTTPHeaders()
        headers.add("authorization", "Bearer secret-token")
        let request = Request(
            method: "POST", path: "/api/v1/auth/token", headers: headers,
            body: Array("password=hunter2".utf8), remoteAddress: "127.0.0.1", id: "abcdef12-3456")
        log.record(request, status: 401, durationMilliseconds: 1.23456)
        close(fds[1])
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = read(fds[0], &buffer, buffer.count)
        let line = String(decoding: buffer[0..<max(0, count)], as: UTF8.self)
        #expect(line.hasSuffix("\n") && line.filter { $0 == "\n" }.count == 1)
        let object = try #require(try JSONParser.parse(String(line.dropLast())).objectValue)
        #expect(object["request.id"] == "abcdef12-3456")
        #expect(object["method"] == "POST")
        #expect(object["path"] == "/api/v1/auth/token")
        #expect(object["status"] == 401)
        #expect(object["duration_ms"] == 1.23)
        #expect(object["client"] == "127.0.0.1")
        #expect(object["level"] == "info")
        #expect(object["ts"]?.stringValue?.hasSuffix("Z") == true)
        #expect(!line.contains("secret-token") && !line.contains("hunter2"))
    }
}
