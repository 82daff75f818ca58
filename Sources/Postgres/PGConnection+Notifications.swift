internal import CLibPQ
import Glibc

/// A notification received on a channel this session LISTENs on (`NOTIFY channel, 'payload'`).
public struct PGNotification: Sendable, Equatable {
    public let channel: String
    public let payload: String
    /// The process id of the server backend that sent it.
    public let senderPID: Int32
}

/// LISTEN/NOTIFY. Two ways to wait: `waitForNotifications` blocks the calling thread (the job
/// runner's `--loop`); `socketDescriptor` + `receiveNotifications` let a caller wait in its own
/// `poll` (the chat daemon's listener thread).
extension PGConnection {
    /// What ended `waitForNotifications`.
    public enum NotificationWait: Sendable, Equatable {
        /// Notifications arrived on these channels (each channel once).
        case notified([String])
        /// The time ran out.
        case timedOut
        /// The other descriptor given to the wait became readable (e.g. a signal's self-pipe).
        case interrupted
    }

    /// `LISTEN channel`; the channel must be a plain identifier (letters, digits, `_`).
    public func listen(_ channel: String) throws(PGError) {
        guard !channel.isEmpty,
            channel.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F })
        else {
            throw PGError(.invalidQuery, message: "LISTEN needs a lowercase identifier")
        }
        try exec("LISTEN \(channel)")
    }

    /// The session's socket, to wait on with `poll` for notifications; nil when disconnected.
    ///
    /// The descriptor belongs to libpq: only wait on it, never read, write or close it. It
    /// changes after `reconnect()`.
    public var socketDescriptor: Int32? {
        guard isConnected else { return nil }
        let fd = PQsocket(handle)
        return fd >= 0 ? fd : nil
    }

    /// Reads whatever the server has sent (without blocking) and returns the notifications
    /// received since the last call, oldest first, including those that arrived while a query ran.
    /// Throws `.connectionLost` (and marks the connection broken) when the server has gone.
    public func receiveNotifications() throws(PGError) -> [PGNotification] {
        guard isConnected else {
            throw PGError(.connectionLost, message: "the connection is not open; call reconnect()")
        }
        guard PQconsumeInput(handle) != 0, PQstatus(handle) == CONNECTION_OK else {
            let message = String(cString: PQerrorMessage(handle))
            markBroken()
            throw PGError(.connectionLost, message: message)
        }
        var notifications: [PGNotification] = []
        while let pointer = PQnotifies(handle) {
            let notice = pointer.pointee
            notifications.append(
                PGNotification(
                    channel: String(cString: notice.relname),
                    payload: notice.extra.map { String(cString: $0) } ?? "",
                    senderPID: notice.be_pid))
            PQfreemem(pointer)
        }
        return notifications
    }

    /// Waits up to `timeoutSeconds` for a notification on a channel this session LISTENs on,
    /// or until `interruptDescriptor` becomes readable. Notifications that arrived before the
    /// call (while another query ran) are returned at once. The session must not be inside a
    /// query; a lost connection throws `.connectionLost`.
    public func waitForNotifications(
        timeoutSeconds: Double, interruptDescriptor: Int32? = nil
    ) throws(PGError) -> NotificationWait {
        let pending = Self.channels(of: try receiveNotifications())
        if !pending.isEmpty { return .notified(pending) }
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        let start = Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
        while true {
            clock_gettime(CLOCK_MONOTONIC, &spec)
            let left = timeoutSeconds - (Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9 - start)
            guard left > 0 else { return .timedOut }
            guard let socket = socketDescriptor else {
                markBroken()
                throw PGError(.connectionLost, message: "the connection has no socket")
            }
            var descriptors = [pollfd(fd: socket, events: Int16(POLLIN), revents: 0)]
            if let interruptDescriptor {
                descriptors.append(pollfd(fd: interruptDescriptor, events: Int16(POLLIN), revents: 0))
            }
            let ready = poll(&descriptors, nfds_t(descriptors.count), Int32(min(left * 1000 + 1, Double(Int32.max))))
            if ready < 0 {
                if errno == EINTR { continue }
                throw PGError(.connectionLost, message: "poll failed: \(String(cString: strerror(errno)))")
            }
            if descriptors.count > 1 && descriptors[1].revents != 0 { return .interrupted }
            if descriptors[0].revents != 0 {
                let channels = Self.channels(of: try receiveNotifications())
                if !channels.isEmpty { return .notified(channels) }
            }
        }
    }

    /// The channels of `notifications`, each once, in order of first arrival.
    private static func channels(of notifications: [PGNotification]) -> [String] {
        var channels: [String] = []
        for notification in notifications where !channels.contains(notification.channel) {
            channels.append(notification.channel)
        }
        return channels
    }
}
