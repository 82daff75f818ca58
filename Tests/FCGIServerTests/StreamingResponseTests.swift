import AppCore
import Glibc
import Synchronization
import Testing
@testable import FCGIServer

/// Streamed responses: the CGI head without Content-Length, each written piece flushed as its
/// own FastCGI record, and a client that hangs up mid-stream. Through libfcgi on a real socket.
@Suite(.serialized)
struct StreamingResponseTests {
    /// What a stream's producer managed to do.
    final class Progress: Sendable {
        let attempts = Atomic<Int>(0)
        let accepted = Atomic<Int>(0)
    }

    /// Routes: `/events` streams `count` events; `/plain` answers a normal JSON body.
    static func makeLoop(
        peer: FastCGITestPeer, progress: Progress = Progress(), count: Int = 10,
        beforeEvent: (@Sendable (Int) -> Void)? = nil
    ) -> WorkerLoop<Void> {
        var router = Router<Void>()
        router.add(
            Route("GET", "/events", Operation()) { _, _ in
                Response.eventStream { writer in
                    for index in 0..<count {
                        beforeEvent?(index)
                        progress.attempts.add(1, ordering: .relaxed)
                        guard writer.write("data: {\"chunk\": \(index)}\n\n") else { return }
                        progress.accepted.add(1, ordering: .relaxed)
                    }
                }
            })
        router.add(
            Route("GET", "/plain", Operation()) { _, _ in
                Response.json(bytes: Array(#"{"ok":true}"#.utf8))
            })
        return peer.loop(router)
    }

    @Test func streamHeadHasNoContentLengthAndAsksNginxNotToBuffer() {
        var response = Response.eventStream { _ in }
        response.headers.add("Content-Length", "99")  // a stale length must not leak into a stream
        let head = String(decoding: ResponseEncoding.encodeStreamHead(response), as: UTF8.self)
        #expect(head.hasPrefix("Status: 200 OK\r\n"))
        #expect(head.contains("Content-Type: text/event-stream; charset=utf-8\r\n"))
        #expect(head.contains("X-Accel-Buffering: no\r\n"))
        #expect(head.contains("Cache-Control: no-cache\r\n"))
        #expect(!head.lowercased().contains("content-length"))
        #expect(head.hasSuffix("\r\n\r\n"))
    }

    @Test func plainResponsesStillCarryContentLength() {
        let bytes = ResponseEncoding.encode(.json(bytes: Array("{}".utf8)))
        #expect(String(decoding: bytes, as: UTF8.self).contains("Content-Length: 2\r\n"))
    }

    @Test func writerStopsAtTheFirstFailedWrite() {
        var calls = 0
        let writer = ResponseBodyWriter { _ in
            calls += 1
            return calls < 3
        }
        #expect(writer.write("a"))
        #expect(writer.write("b"))
        #expect(!writer.write("c"))
        #expect(!writer.write("d"))
        #expect(calls == 3)
        #expect(!writer.isOpen)
        #expect(writer.bytesWritten == 2)
    }

    @Test func eachEventIsFlushedAsItsOwnRecord() throws {
        let peer = try FastCGITestPeer()
        let progress = Progress()
        let loop = Self.makeLoop(peer: peer, progress: progress)
        let client = try peer.sendGET("/events")
        let response = try peer.exchange(client, with: loop)

        #expect(response.status == 200)
        #expect(response.fields["content-type"] == "text/event-stream; charset=utf-8")
        #expect(response.fields["x-accel-buffering"] == "no")
        #expect(response.fields["content-length"] == nil)
        #expect(response.fields["x-request-id"] != nil)
        let expected = (0..<10).map { "data: {\"chunk\": \($0)}\n\n" }.joined()
        #expect(response.bodyText == expected)
        // The head, then one record per event: nothing waited in libfcgi's 8 KB buffer.
        #expect(response.records.count == 11)
        for (index, record) in response.records.dropFirst().enumerated() {
            #expect(String(decoding: record, as: UTF8.self) == "data: {\"chunk\": \(index)}\n\n")
        }
        #expect(progress.accepted.load(ordering: .relaxed) == 10)
    }

    @Test func headRequestGetsTheHeadOnly() throws {
        let peer = try FastCGITestPeer()
        let progress = Progress()
        let loop = Self.makeLoop(peer: peer, progress: progress)
        let client = try peer.connectClient()
        try client.sendRequest(params: ["REQUEST_METHOD": "HEAD", "REQUEST_URI": "/events", "SCRIPT_NAME": "/events"])
        let response = try peer.exchange(client, with: loop)
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
        #expect(progress.attempts.load(ordering: .relaxed) == 0)
    }

    @Test func clientThatHangsUpMidStreamStopsTheProducer() throws {
        let peer = try FastCGITestPeer()
        let progress = Progress()
        let client = try peer.sendGET("/events")
        // The client leaves after three events have gone out (the producer runs on this thread).
        nonisolated(unsafe) let leaving = client
        let loop = Self.makeLoop(peer: peer, progress: progress, count: 1000) { index in
            if index == 3 { leaving.close() }
        }
        try peer.serveOne(with: loop)
        // The fourth write failed; nothing more was produced.
        #expect(progress.accepted.load(ordering: .relaxed) == 3)
        #expect(progress.attempts.load(ordering: .relaxed) == 4)

        // The worker goes on: the next request on the same listening socket is answered.
        let next = try peer.sendGET("/plain")
        let response = try peer.exchange(next, with: loop)
        #expect(response.status == 200)
        #expect(response.bodyText == #"{"ok":true}"#)
    }

    @Test func clientGoneBeforeTheHeadStopsAtOnce() throws {
        let peer = try FastCGITestPeer()
        let progress = Progress()
        let loop = Self.makeLoop(peer: peer, progress: progress, count: 1000)
        let client = try peer.sendGET("/events")
        client.close()
        try peer.serveOne(with: loop)
        #expect(progress.attempts.load(ordering: .relaxed) == 0)
    }
}
