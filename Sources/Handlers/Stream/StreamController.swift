import AppCore

/// `GET /api/v1/stream`: server-sent events (filled in by the streaming change).
public enum StreamController {
    public static func routes() -> [Route<AppContext>] {
        []
    }
}
