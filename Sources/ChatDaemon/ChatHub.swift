import AppCore
import ChatCore
import Identity
import Logging
import NIOConcurrencyHelpers
import NIOCore

/// What the listener hands every shard, in the order PostgreSQL delivered it.
enum ShardEvent: Sendable {
    /// An event for the members of one room.
    case room(OutboundEvent)
    /// Close every connection of this user (the account was deleted or deactivated).
    case closeUser(userID: String, change: ChatNotification.AccountChange)
}

/// An event for the members of one room, encoded once: every member's connection sends the
/// same buffer, a whole WebSocket text frame.
struct OutboundEvent: Sendable {
    var room: String
    var frame: ByteBuffer
    /// Set for stored messages (replay merging drops repeats by id).
    var messageID: Int64?
    /// The joiner of a join notice, which is not told of itself.
    var excluded: UInt64?
}

/// What the daemon's connections share: settings, the token rules, the store, the room shards
/// (one per event loop), and a few counters.
final class ChatHub: Sendable {
    let configuration: ChatConfiguration
    let logger: Logger
    /// Random per process: names this daemon's connections in join notices.
    let daemonID: String
    let tokens: TokenService
    let origins: OriginPolicy
    let store: ChatStore
    private let state = NIOLockedValueBox(State())
    private let shards: NIOLockedValueBox<[ObjectIdentifier: NIOLoopBound<RoomShard>]> = NIOLockedValueBox([:])

    struct State {
        var listening = false
        var stopping = false
        var connections = 0
        var nextKey: UInt64 = 0
        var droppedSlow = 0
        var droppedDead = 0
    }

    init(configuration: ChatConfiguration, store: ChatStore, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        self.store = store
        let app = configuration.app
        tokens = TokenService(
            secret: app.secretKey, accessTokenMinutes: app.accessTokenExpireMinutes,
            refreshTokenDays: app.refreshTokenExpireDays)
        origins = OriginPolicy(allowedOrigins: configuration.app.corsOrigins)
        daemonID = String(UInt64.random(in: 0...UInt64.max), radix: 16)
    }

    // MARK: - Shards

    /// Creates one shard per event loop (call once, before accepting connections).
    func makeShards(on loops: [any EventLoop]) throws {
        var made: [ObjectIdentifier: NIOLoopBound<RoomShard>] = [:]
        for loop in loops {
            let daemonID = self.daemonID
            made[ObjectIdentifier(loop)] = try loop.submit {
                NIOLoopBound(RoomShard(eventLoop: loop, daemonID: daemonID), eventLoop: loop)
            }.wait()
        }
        shards.withLockedValue { $0 = made }
    }

    /// The shard of `loop` (call on that loop).
    func shard(for loop: any EventLoop) -> RoomShard {
        shards.withLockedValue { $0[ObjectIdentifier(loop)] }!.value
    }

    private var allShards: [NIOLoopBound<RoomShard>] { shards.withLockedValue { Array($0.values) } }

    /// Runs `body` on every shard, on its own loop.
    func forEachShard(_ body: @escaping @Sendable (RoomShard) -> Void) {
        for shard in allShards {
            shard.eventLoop.execute { body(shard.value) }
        }
    }

    // MARK: - Events from the listener

    /// Encodes each event once and hands the batch to every shard, in order.
    func deliver(_ notifications: [ChatNotification]) {
        let allocator = ByteBufferAllocator()
        var events: [ShardEvent] = []
        events.reserveCapacity(notifications.count)
        for notification in notifications {
            if case .account(let userID, let change) = notification {
                events.append(.closeUser(userID: userID, change: change))
                continue
            }
            guard let event = notification.event, let room = notification.roomID else { continue }
            let frame = ServerFrame.buffer(opcode: FrameAssembler.text, payload: event.json(), allocator: allocator)
            var outbound = OutboundEvent(room: room, frame: frame)
            switch notification {
            case .message(let message): outbound.messageID = message.id
            case .joined(_, _, let origin?) where origin.daemon == daemonID: outbound.excluded = origin.number
            default: break
            }
            events.append(.room(outbound))
        }
        guard !events.isEmpty else { return }
        let batch = events
        forEachShard { $0.deliver(batch) }
    }

    /// The listener's connection came up or went down.
    func listenerChanged(up: Bool) {
        state.withLockedValue { $0.listening = up }
        if !up {
            // Events may be missed from now on: clients reconnect (with `since`) once it is back.
            forEachShard { $0.closeAll(.tryAgainLater, reason: "chat events unavailable") }
        }
    }

    // MARK: - Counters

    var isListening: Bool { state.withLockedValue { $0.listening } }
    var isStopping: Bool { state.withLockedValue { $0.stopping } }
    var connectionCount: Int { state.withLockedValue { $0.connections } }

    /// True while new connections are welcome.
    var acceptsConnections: Bool {
        state.withLockedValue { !$0.stopping && $0.connections < configuration.maxConnections }
    }

    func beginStopping() {
        state.withLockedValue { $0.stopping = true }
    }

    /// A new connection: its key.
    func connectionOpened() -> UInt64 {
        state.withLockedValue { state in
            state.connections += 1
            state.nextKey += 1
            return state.nextKey
        }
    }

    func connectionClosed() {
        state.withLockedValue { $0.connections -= 1 }
    }

    func countDrop(slow: Bool) {
        state.withLockedValue { state in
            if slow { state.droppedSlow += 1 } else { state.droppedDead += 1 }
        }
    }

    /// For `/ws/health`.
    var snapshot: State { state.withLockedValue { $0 } }
}
