/// Merges a `?since=` replay with the live events of a room, without gaps or repeats.
///
/// The connection joins the room first, then the replay is read. Live events that arrive
/// meanwhile wait here; when the replay is done they follow it, except messages it already
/// held. Message ids grow in the order a room receives its messages (the daemons insert them
/// under a per-room lock), so "already held" is "id not above the last replayed id", now and
/// for any late live copy afterwards.
public struct ReplayGate<Event> {
    private var replaying: Bool
    private var pending: [(event: Event, messageID: Int64?)] = []
    /// The greatest message id delivered (replayed or live); later copies at or below it are dropped.
    public private(set) var lastMessageID: Int64?

    /// - Parameter replaying: true when a replay is coming (the client sent `since`).
    public init(replaying: Bool) {
        self.replaying = replaying
    }

    public var isReplaying: Bool { replaying }
    public var pendingCount: Int { pending.count }

    /// A live event: returns it when it should go out now; nil when it waits for the replay or
    /// repeats a message already sent.
    public mutating func live(_ event: Event, messageID: Int64?) -> Event? {
        if replaying {
            pending.append((event, messageID))
            return nil
        }
        return admit(event, messageID: messageID)
    }

    /// The replay is done, its newest message being `lastReplayedID` (nil: it was empty).
    /// Returns the waiting live events to send after it, in order.
    public mutating func finishReplay(lastReplayedID: Int64?) -> [Event] {
        if let lastReplayedID { lastMessageID = max(lastMessageID ?? lastReplayedID, lastReplayedID) }
        replaying = false
        let waiting = pending
        pending = []
        return waiting.compactMap { admit($0.event, messageID: $0.messageID) }
    }

    private mutating func admit(_ event: Event, messageID: Int64?) -> Event? {
        guard let messageID else { return event }
        if let lastMessageID, messageID <= lastMessageID { return nil }
        lastMessageID = messageID
        return event
    }
}
