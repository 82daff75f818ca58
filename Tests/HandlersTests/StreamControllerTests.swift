import AppCore
import Testing

/// `GET /api/v1/stream` through the real router: the seed's ten events, produced one write
/// at a time, and no more once the client is gone. No database needed.
struct StreamControllerTests {
    let router: OfflineRouter

    init() throws {
        router = try OfflineRouter()
    }

    func get(_ path: String) -> Response {
        router.get(path, id: "stream-test-id")
    }

    @Test func sendsTheSeedsTenEventsAsServerSentEvents() throws {
        let response = get("/api/v1/stream")
        #expect(response.status == .ok)
        #expect(response.headers["Content-Type"] == "text/event-stream; charset=utf-8")
        #expect(response.headers["X-Accel-Buffering"] == "no")
        #expect(response.headers["Content-Length"] == nil)
        #expect(response.headers["X-Request-ID"] == "stream-test-id")
        #expect(response.body.isEmpty)
        let stream = try #require(response.stream)

        var pieces: [String] = []
        stream.run(
            into: ResponseBodyWriter { bytes in
                pieces.append(String(decoding: bytes, as: UTF8.self))
                return true
            })
        // One write per event, each a complete event, exactly as json.dumps spells it.
        #expect(pieces == (0..<10).map { "data: {\"chunk\": \($0)}\n\n" })
    }

    @Test func stopsProducingWhenTheClientIsGone() throws {
        let stream = try #require(get("/api/v1/stream").stream)
        var calls = 0
        stream.run(
            into: ResponseBodyWriter { _ in
                calls += 1
                return calls < 3
            })
        #expect(calls == 3)
    }
}
