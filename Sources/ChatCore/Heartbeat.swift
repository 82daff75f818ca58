/// The server's heartbeat for one connection: at each tick, a ping; a client that has sent
/// nothing since the previous ping (not even its pong) is considered dead.
public struct Heartbeat: Sendable {
    private var awaitingAnswer = false

    public init() {}

    public enum Action: Sendable, Equatable {
        case sendPing
        case drop
    }

    /// Anything arrived from the client: it is alive.
    public mutating func received() {
        awaitingAnswer = false
    }

    /// The interval has passed.
    public mutating func tick() -> Action {
        if awaitingAnswer { return .drop }
        awaitingAnswer = true
        return .sendPing
    }
}
