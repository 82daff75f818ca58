import AppCore

/// `GET /api/v1/stream`: the seed's ten server-sent events, `data: {"chunk": i}` for i = 0…9,
/// each sent and flushed as it is made.
///
/// The seed's generator yields them back to back, without a pause, and so does this one: a
/// pause would hold one of the pool's single-threaded workers for the whole stream.
public enum StreamController {
    public static let eventCount = 10

    public static func routes() -> [Route<AppContext>] {
        [
            Route(
                "GET", "/api/v1/stream",
                Operation(
                    summary: "Stream Data", name: "stream_data",
                    description: "Server-sent events: ten `data: {\"chunk\": i}` events, each sent as it is made.",
                    responseContentType: "text/event-stream"
                )
            ) { _, _ in
                Response.eventStream { writer in
                    for index in 0..<eventCount {
                        // json.dumps({'chunk': i}) spells it with a space after the colon.
                        guard writer.write(event(index)) else { return }
                    }
                }
            }
        ]
    }

    /// One event: `data: {"chunk": 3}` and the blank line that ends it.
    static func event(_ index: Int) -> [UInt8] {
        Array("data: {\"chunk\": \(index)}\n\n".utf8)
    }
}
