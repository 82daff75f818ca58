import ChatCore
import NIOCore

/// The connections of one event loop and the rooms they are in. Touched only on its loop, so
/// it needs no lock: an event for a room goes to every shard, and each shard writes it to its
/// own members.
final class RoomShard {
    let eventLoop: any EventLoop
    let daemonID: String
    private var rooms = RoomRegistry<UInt64, ChatConnection>()
    private var connections: [UInt64: ChatConnection] = [:]
    private var heartbeat: RepeatedTask?

    init(eventLoop: any EventLoop, daemonID: String) {
        self.eventLoop = eventLoop
        self.daemonID = daemonID
    }

    var connectionCount: Int { connections.count }
    var roomCount: Int { rooms.roomCount }

    func add(_ connection: ChatConnection) {
        connections[connection.key] = connection
    }

    func remove(_ connection: ChatConnection) {
        connections.removeValue(forKey: connection.key)
    }

    func join(_ room: String, _ connection: ChatConnection) {
        rooms.join(room, key: connection.key, member: connection)
    }

    func leave(_ room: String, _ connection: ChatConnection) {
        rooms.leave(room, key: connection.key)
    }

    /// Writes each event to the members of its room, then flushes each member once; closes the
    /// connections of accounts that were deleted or deactivated, at their place in the order.
    func deliver(_ events: [ShardEvent]) {
        var touched: [ObjectIdentifier: ChatConnection] = [:]
        for shardEvent in events {
            let event: OutboundEvent
            switch shardEvent {
            case .room(let roomEvent):
                event = roomEvent
            case .closeUser(let userID, let change):
                for member in touched.values { member.flush() }
                closeUser(userID, change: change)
                continue
            }
            let members = rooms.members(of: event.room)
            guard !members.isEmpty else { continue }
            for (key, member) in members {
                if key == event.excluded {
                    // The joiner's own notice: from here on it is in the room's event order.
                    member.joinConfirmed()
                    continue
                }
                member.deliver(event.frame, messageID: event.messageID)
                touched[ObjectIdentifier(member)] = member
            }
        }
        for member in touched.values { member.flush() }
    }

    /// Closes every connection of a user, with the code a new connection of theirs would get.
    func closeUser(_ userID: String, change: ChatNotification.AccountChange) {
        let (code, reason) = change.close
        for connection in Array(connections.values) where connection.userID == userID {
            connection.close(code, reason: reason)
        }
    }

    /// Closes every connection with a close frame (`code`, `reason`).
    func closeAll(_ code: CloseCode, reason: String, graceSeconds: Int = 5) {
        for connection in Array(connections.values) {
            connection.close(code, reason: reason, graceSeconds: graceSeconds)
        }
    }

    /// Closes the TCP connection of everyone still here.
    func abortAll() {
        for connection in Array(connections.values) { connection.abort() }
    }

    /// Pings every connection every `seconds`; the ones that did not answer the last ping go.
    func startHeartbeat(seconds: Int) {
        guard seconds > 0, heartbeat == nil else { return }
        let bound = NIOLoopBound(self, eventLoop: eventLoop)
        heartbeat = eventLoop.scheduleRepeatedTask(initialDelay: .seconds(Int64(seconds)), delay: .seconds(Int64(seconds))) { _ in
            for connection in Array(bound.value.connections.values) { connection.heartbeatTick() }
        }
    }

    func stopHeartbeat() {
        heartbeat?.cancel()
        heartbeat = nil
    }
}
