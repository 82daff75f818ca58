import ChatCore
import ChatHistory
import Glibc
import Logging
import NIOConcurrencyHelpers
import NIOPosix
import Postgres

/// The daemon's listening side of PostgreSQL: one connection that LISTENs on `chat_events`, on
/// a thread of its own that waits on the connection's socket with `poll`.
///
/// Notifications are read in the order PostgreSQL delivers them (commit order), decoded, the
/// few that are references read back by id, and handed on in batches, in that same order, to
/// `deliver`. Every daemon sees every event this way, its own ones included.
///
/// While the connection is down, `stateChanged(false)` tells the daemon, which then closes its
/// clients with 1013 (they reconnect with `since` and miss nothing) and refuses new ones until
/// `stateChanged(true)`. When idle, a `SELECT 1` every `keepaliveSeconds` finds a dead server.
final class ChatListener: @unchecked Sendable {
    // @unchecked: `connection` and the loop state are only used on the pool's thread; `stopped`
    // is behind its lock; the wake pipe is written from any thread.

    private let conninfo: String
    private let logger: Logger
    private let deliver: @Sendable ([ChatNotification]) -> Void
    private let stateChanged: @Sendable (Bool) -> Void
    private let keepaliveSeconds: Int
    private let pool = NIOThreadPool(numberOfThreads: 1)
    private let stopped = NIOLockedValueBox(false)
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private var connection: PGConnection?

    init(
        conninfo: String, logger: Logger, keepaliveSeconds: Int = 10,
        deliver: @escaping @Sendable ([ChatNotification]) -> Void,
        stateChanged: @escaping @Sendable (Bool) -> Void
    ) {
        self.conninfo = conninfo
        self.logger = logger
        self.keepaliveSeconds = keepaliveSeconds
        self.deliver = deliver
        self.stateChanged = stateChanged
        var fds: [Int32] = [0, 0]
        precondition(pipe(&fds) == 0, "pipe failed")
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        wakeRead = fds[0]
        wakeWrite = fds[1]
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    func start() {
        pool.start()
        pool.submit { [self] _ in run() }
    }

    /// Ends the loop and waits for its thread.
    func stop() {
        stopped.withLockedValue { $0 = true }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        try? pool.syncShutdownGracefully()
    }

    private var isStopped: Bool { stopped.withLockedValue { $0 } }

    // MARK: - The listener's thread

    private func run() {
        var backoffMilliseconds = 100
        var up = false
        while !isStopped {
            if connection == nil {
                do {
                    let fresh = try PGConnection(conninfo: conninfo)
                    try fresh.execute(unsafeSQL: "SET statement_timeout = '10s'; LISTEN \(ChatNotification.channel)")
                    connection = fresh
                    backoffMilliseconds = 100
                    if !up {
                        up = true
                        logger.notice("Listening for chat events")
                        stateChanged(true)
                    }
                } catch {
                    if up {
                        up = false
                        stateChanged(false)
                    }
                    logger.warning("Chat listener cannot reach PostgreSQL", metadata: ["error": "\(error)"])
                    wait(milliseconds: backoffMilliseconds)
                    backoffMilliseconds = min(backoffMilliseconds * 2, 5000)
                    continue
                }
            }
            guard let live = connection else { continue }
            do {
                let ready = try waitForInput(live, milliseconds: keepaliveSeconds * 1000)
                if isStopped { break }
                if !ready {
                    // Idle: make sure the server is still there.
                    try live.query("SELECT 1")
                }
                // A query (the keepalive, or reading a large message back) may leave notifications
                // in libpq's buffer with nothing left on the socket: read until none is left.
                var notifications = try live.receiveNotifications()
                while !notifications.isEmpty {
                    try handOn(notifications, using: live)
                    notifications = try live.receiveNotifications()
                }
            } catch {
                logger.warning("Chat listener lost PostgreSQL", metadata: ["error": "\(error)"])
                connection = nil
                up = false
                stateChanged(false)
            }
        }
        connection = nil
    }

    /// Waits until the connection's socket (or the wake pipe) is readable; false on timeout.
    private func waitForInput(_ connection: PGConnection, milliseconds: Int) throws -> Bool {
        guard let socket = connection.socketDescriptor else {
            throw ListenerError(description: "the listening connection has no socket")
        }
        var fds = [
            pollfd(fd: socket, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
        ]
        while true {
            let count = poll(&fds, 2, Int32(milliseconds))
            if count < 0 && errno == EINTR { continue }
            if fds[1].revents != 0 { drainWakePipe() }
            return count > 0 && fds[0].revents != 0
        }
    }

    private func wait(milliseconds: Int) {
        var fd = pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)
        _ = poll(&fd, 1, Int32(milliseconds))
        if fd.revents != 0 { drainWakePipe() }
    }

    private func drainWakePipe() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(wakeRead, &buffer, buffer.count) > 0 {}
    }

    /// Decodes, resolves references, and delivers in order.
    private func handOn(_ notifications: [PGNotification], using connection: PGConnection) throws {
        var events: [ChatNotification] = []
        events.reserveCapacity(notifications.count)
        for notification in notifications where notification.channel == ChatNotification.channel {
            guard let event = ChatNotification.decode(notification.payload) else {
                logger.warning("Unreadable chat notification ignored", metadata: ["bytes": "\(notification.payload.utf8.count)"])
                continue
            }
            if case .messageReference(let id, let room) = event {
                guard let message = try ChatHistory(connection: connection).message(id: id, room: room) else {
                    continue  // deleted meanwhile
                }
                events.append(.message(message))
            } else {
                events.append(event)
            }
        }
        if !events.isEmpty { deliver(events) }
    }
}

/// The listening connection is unusable.
struct ListenerError: Error, CustomStringConvertible {
    let description: String
}
