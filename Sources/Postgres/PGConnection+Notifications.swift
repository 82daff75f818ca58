internal import CLibPQ
import Glibc

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
        guard !channel.isEmpty, channel.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F }) else {
            throw PGError(.invalidQuery, message: "LISTEN needs a lowercase identifier")
        }
        try exec("LISTEN \(channel)")
    }

    /// Waits up to `timeoutSeconds` for a notification on a channel this session LISTENs on,
    /// or until `interruptDescriptor` becomes readable. Notifications that arrived before the
    /// call (while another query ran) are returned at once. The session must not be inside a
    /// query; a lost connection throws `.connectionLost`.
    public func waitForNotifications(timeoutSeconds: Double, interruptDescriptor: Int32? = nil) throws(PGError) -> NotificationWait {
        let pending = drainNotifications()
        if !pending.isEmpty { return .notified(pending) }
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        let start = Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
        while true {
            clock_gettime(CLOCK_MONOTONIC, &spec)
            let left = timeoutSeconds - (Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9 - start)
            guard left > 0 else { return .timedOut }
            let socket = PQsocket(handle)
            guard socket >= 0 else {
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
                guard PQconsumeInput(handle) == 1, PQstatus(handle) == CONNECTION_OK else {
                    markBroken()
                    throw PGError(.connectionLost, message: String(cString: PQerrorMessage(handle)))
                }
                let channels = drainNotifications()
                if !channels.isEmpty { return .notified(channels) }
            }
        }
    }

    private func drainNotifications() -> [String] {
        var channels: [String] = []
        while let notification = PQnotifies(handle) {
            let channel = String(cString: notification.pointee.relname)
            if !channels.contains(channel) { channels.append(channel) }
            PQfreemem(notification)
        }
        return channels
    }
}
