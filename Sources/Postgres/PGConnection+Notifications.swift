internal import CLibPQ

/// A notification received on a channel this session LISTENs on (`NOTIFY channel, 'payload'`).
public struct PGNotification: Sendable, Equatable {
    public let channel: String
    public let payload: String
    /// The process id of the server backend that sent it.
    public let senderPID: Int32
}

extension PGConnection {
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
            notifications.append(PGNotification(
                channel: String(cString: notice.relname),
                payload: notice.extra.map { String(cString: $0) } ?? "",
                senderPID: notice.be_pid))
            PQfreemem(pointer)
        }
        return notifications
    }
}
