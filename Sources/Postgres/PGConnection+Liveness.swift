internal import CLibPQ
import Glibc

extension PGConnection {
    /// Checks, without blocking, whether the server has closed this idle connection.
    ///
    /// A server restart or `pg_terminate_backend` closes the socket while the
    /// worker waits for requests; libpq only notices on the next command, which
    /// would then fail. Call this before taking an idle connection into use: when
    /// it returns true the connection is marked broken and `reconnect()` (or a new
    /// connection) is needed. It reads only data already waiting on the socket.
    public func serverClosedConnection() -> Bool {
        guard isConnected else { return true }
        var pollDescriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        guard pollDescriptor.fd >= 0 else {
            markBroken()
            return true
        }
        guard poll(&pollDescriptor, 1, 0) > 0 else { return false }
        // Readable while idle: an EOF, a FATAL message before the close, or a notification.
        if PQconsumeInput(handle) == 0 || PQstatus(handle) != CONNECTION_OK {
            markBroken()
            return true
        }
        var notified = false
        while let notification = PQnotifies(handle) {
            PQfreemem(notification)
            notified = true
        }
        // Anything else arriving on an idle connection is the server's FATAL message sent
        // just before it closes the socket (shutdown, pg_terminate_backend): libpq still
        // reports CONNECTION_OK until it reads the EOF, so do not wait for that.
        if !notified {
            markBroken()
            return true
        }
        return false
    }
}
