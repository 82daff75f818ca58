import ChatCore
import ChatHistory
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import Postgres

/// The daemon's writing side of PostgreSQL: one connection on one thread of its own, so that
/// libpq's blocking calls never run on an event loop.
///
/// Event loops `submit` commands and get their answers through callbacks (which hop back to
/// the loop themselves). The thread takes whatever has queued up as one batch:
/// - user checks of the batch are one query;
/// - each room's commands run in submission order; when they store messages, they run in one
///   transaction that first takes the room's lock (`pg_advisory_xact_lock(chatLockClass,
///   hashtext(room))`), so a room's ids grow in commit order across all daemons, and NOTIFY
///   (sent by the insert trigger, and by `pg_notify` for join/leave notices) delivers in that
///   order too. Many messages of a busy room share one commit.
/// A lost connection fails the batch's commands (their senders get an error) and is opened
/// again for the next batch.
public final class ChatStore: @unchecked Sendable {
    // @unchecked: `connection` is only touched on the pool's single thread (inside `drain`);
    // the queue is behind its lock.

    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let description: String
        /// Set when a message was refused because its sender's account is gone or inactive
        /// (the sender's connection closes; the room's other messages are stored as usual).
        public var account: ChatNotification.AccountChange?

        public init(description: String, account: ChatNotification.AccountChange? = nil) {
            self.description = description
            self.account = account
        }
    }

    public enum Command: Sendable {
        /// Is user `id` there and active?
        case checkUser(id: Int, reply: @Sendable (AccountStatus) -> Void)
        /// Stores a message (the trigger announces it) if its sender's account is there and
        /// active; `failed` is called only on failure.
        case insert(room: String, userID: Int, content: String, failed: @Sendable (Failure) -> Void)
        /// Sends a join or leave notice to every daemon; `failed` is called only on failure.
        case notify(ChatNotification, failed: (@Sendable (Failure) -> Void)?)
        /// The room's messages after `afterID`, oldest first, at most `limit`.
        case replay(room: String, afterID: Int64, limit: Int, reply: @Sendable (Result<[ChatMessage], Failure>) -> Void)

        var room: String? {
            switch self {
            case .checkUser: nil
            case .insert(let room, _, _, _), .replay(let room, _, _, _): room
            case .notify(let notification, _): notification.roomID
            }
        }
    }

    /// The first key of the two-key advisory lock space for rooms ("chat").
    static let lockClass: Int32 = 0x6368_6174

    private let conninfo: String
    private let logger: Logger
    private let pool = NIOThreadPool(numberOfThreads: 1)
    private let queue = NIOLockedValueBox(Queue())
    private var connection: PGConnection?

    private struct Queue {
        var commands: [Command] = []
        var draining = false
        var stopped = false
    }

    public init(conninfo: String, logger: Logger) {
        self.conninfo = conninfo
        self.logger = logger
        pool.start()
    }

    /// Queues a command; it runs on the store's thread, after those submitted before it.
    public func submit(_ command: Command) {
        let startDrain = queue.withLockedValue { queue -> Bool in
            guard !queue.stopped else { return false }
            queue.commands.append(command)
            guard !queue.draining else { return false }
            queue.draining = true
            return true
        }
        if startDrain {
            pool.submit { [self] _ in drain() }
        }
    }

    /// Runs what is queued, then stops the thread. Blocks (at most `timeoutSeconds`).
    public func stop(timeoutSeconds: Int = 10) {
        var waited = 0
        while queue.withLockedValue({ !$0.commands.isEmpty || $0.draining }), waited < timeoutSeconds * 100 {
            usleepMilliseconds(10)
            waited += 1
        }
        queue.withLockedValue { $0.stopped = true }
        try? pool.syncShutdownGracefully()
    }

    // MARK: - The store's thread

    private func drain() {
        while true {
            let batch = queue.withLockedValue { queue -> [Command] in
                let batch = queue.commands
                queue.commands = []
                if batch.isEmpty { queue.draining = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            run(batch)
        }
    }

    private func run(_ batch: [Command]) {
        var userChecks: [(id: Int, reply: @Sendable (AccountStatus) -> Void)] = []
        var rooms: [String] = []
        var byRoom: [String: [Command]] = [:]
        for command in batch {
            if case .checkUser(let id, let reply) = command {
                userChecks.append((id, reply))
            } else if let room = command.room {
                if byRoom[room] == nil { rooms.append(room) }
                byRoom[room, default: []].append(command)
            }
        }
        let live: PGConnection
        do {
            live = try liveConnection()
        } catch {
            logger.warning("Chat store cannot reach PostgreSQL", metadata: ["error": "\(error)"])
            for check in userChecks { check.reply(.unavailable) }
            for room in rooms { fail(byRoom[room]!, Failure(description: "database unavailable")) }
            return
        }
        if !userChecks.isEmpty { checkUsers(userChecks, on: live) }
        for room in rooms { run(byRoom[room]!, room: room, on: live) }
    }

    private func liveConnection() throws -> PGConnection {
        if let connection, connection.isConnected, !connection.serverClosedConnection() { return connection }
        connection = nil
        let fresh = try PGConnection(conninfo: conninfo)
        // A statement that hangs would hold every room's messages: give up on it instead.
        try fresh.execute(unsafeSQL: "SET statement_timeout = '10s'")
        connection = fresh
        return fresh
    }

    private func checkUsers(_ checks: [(id: Int, reply: @Sendable (AccountStatus) -> Void)], on connection: PGConnection) {
        let ids = "{" + checks.map { String($0.id) }.joined(separator: ",") + "}"
        do {
            var active: [Int: Bool] = [:]
            for row in try connection.query("SELECT id, is_active FROM users WHERE id = ANY(\(ids)::int[])") {
                let (id, isActive) = try row.decode((Int, Bool).self)
                active[id] = isActive
            }
            for check in checks {
                switch active[check.id] {
                case true?: check.reply(.active)
                case false?: check.reply(.inactive)
                case nil: check.reply(.missing)
                }
            }
        } catch {
            report(error, "Chat store could not check users")
            for check in checks { check.reply(.unavailable) }
        }
    }

    /// One room's commands, in order. Messages and notices go in one transaction that holds the
    /// room's lock when messages are among them; replays run after it (their readers drop what
    /// they also receive live, by id).
    private func run(_ commands: [Command], room: String, on connection: PGConnection) {
        let replays = commands.filter { if case .replay = $0 { true } else { false } }
        let writes = commands.filter { if case .replay = $0 { false } else { true } }
        let storesMessages = writes.contains { if case .insert = $0 { true } else { false } }
        if storesMessages {
            // Messages refused because their sender's account is gone: told after the commit
            // (a transaction run again after a deadlock starts the list anew).
            var refused: [(failed: @Sendable (Failure) -> Void, change: ChatNotification.AccountChange)] = []
            do {
                try connection.transaction { connection in
                    refused = []
                    try connection.query("SELECT pg_advisory_xact_lock(\(Self.lockClass), hashtext(\(room)))")
                    for command in writes {
                        if let change = try execute(command, on: connection), case .insert(_, _, _, let failed) = command {
                            refused.append((failed, change))
                        }
                    }
                }
            } catch {
                report(error, "Chat store could not store messages", room: room)
                fail(writes, Failure(description: "\(error)"))
                return
            }
            for (failed, change) in refused {
                failed(Failure(description: "the sender's account is \(change.rawValue)", account: change))
            }
        } else {
            for command in writes { runAlone(command, on: connection) }
        }
        for command in replays { runAlone(command, on: connection) }
    }

    private func runAlone(_ command: Command, on connection: PGConnection) {
        do {
            try execute(command, on: connection)
        } catch {
            fail([command], Failure(description: "\(error)"))
        }
    }

    /// Runs one command; for a message refused because of its sender's account, which change.
    @discardableResult
    private func execute(_ command: Command, on connection: PGConnection) throws -> ChatNotification.AccountChange? {
        switch command {
        case .insert(let room, let userID, let content, _):
            return try ChatHistory(connection: connection).store(room: room, userID: userID, content: content)
        case .notify(let notification, _):
            try connection.query("SELECT pg_notify(\(ChatNotification.channel), \(notification.payload()))")
            return nil
        case .replay(let room, let afterID, let limit, let reply):
            let messages = try ChatHistory(connection: connection).messages(after: afterID, room: room, limit: limit)
            reply(.success(messages))
            return nil
        case .checkUser:
            return nil
        }
    }

    /// Logs a failed statement: a warning when PostgreSQL was out of reach or the statement ran
    /// out of time (the clients are told to try again), `Unhandled error` for anything else,
    /// which is a bug (the stack tests fail on any such line).
    private func report(_ error: any Error, _ message: Logger.Message, room: String? = nil) {
        var metadata: Logger.Metadata = ["error": "\(error)"]
        if let room { metadata["room"] = "\(room)" }
        if let error = error as? PGError, error.isConnectionProblem || error.isQueryCanceled {
            logger.warning(message, metadata: metadata)
        } else {
            metadata["during"] = "\(message)"
            logger.error("Unhandled error", metadata: metadata)
        }
    }

    private func fail(_ commands: [Command], _ failure: Failure) {
        for command in commands {
            switch command {
            case .insert(_, _, _, let failed): failed(failure)
            case .replay(_, _, _, let reply): reply(.failure(failure))
            case .checkUser(_, let reply): reply(.unavailable)
            case .notify(let notification, let failed):
                logger.warning(
                    "Chat notice not sent", metadata: ["room": "\(notification.roomID ?? "-")", "error": "\(failure)"])
                failed?(failure)
            }
        }
    }
}
