internal import CFastCGI
import CPrefork
import Glibc

/// The one libfcgi request slot of a worker and the connections it reads requests from: accept a
/// request, read its params and body, write the response, finish. `FCGX_Request` must stay at one
/// address (its streams point back to it), so it is allocated once and owned here. Not
/// thread-safe: one per (single-threaded) worker.
///
/// A connection the front server keeps open (nginx's `fastcgi_keep_conn on`, FCGI_KEEP_CONN)
/// stays with this worker between requests, and the worker waits on it and on the listening
/// socket at once: a new connection is taken even while kept ones sit idle. (A worker that only
/// read its kept connection would be pinned to it while nginx, which opens a new connection
/// whenever none of its idle ones is free, left the new one waiting in the backlog: the trap in
/// FIELD-NOTES.) The worker never closes a kept connection itself, since nginx may be sending
/// the next request on it at that very moment and would answer that request 502: it waits for
/// nginx to close it (its upstream `keepalive_timeout` and `keepalive_requests`).
final class FastCGIConnection {
    enum AcceptOutcome {
        case accepted
        case interrupted
        case failed(Int32)
        /// A peer `FCGI_WEB_SERVER_ADDRS` does not name connected; its connection is closed
        /// unread (the peer's address given, for the log).
        case refused(String)
        /// A connection ended before it brought a whole request head.
        case dropped
        /// The front server closed a connection it had kept open.
        case closed
    }

    private let request: UnsafeMutablePointer<FCGX_Request>
    private let listenFileDescriptor: Int32
    /// The peers a TCP socket answers; nil: any (a unix socket, whose permissions decide).
    private let peerFilter: FastCGIPeerFilter?
    /// The epoll set of the listening socket (until `stopAccepting`) and the kept connections.
    private var waitSet: Int32
    /// Open connections the front server keeps between requests (the one in hand included).
    private(set) var keptConnections: Set<Int32> = []
    /// False once `stopAccepting` was called: only kept connections are read.
    private(set) var isAccepting = true

    /// Call after `FCGX_Init()`. The listening socket is made non-blocking: after a wait, another
    /// worker may have taken the connection first.
    ///
    /// - Parameter peerFilter: the web servers a TCP socket answers (`FCGI_WEB_SERVER_ADDRS`).
    init(listenFileDescriptor: Int32, peerFilter: FastCGIPeerFilter? = nil) {
        request = .allocate(capacity: 1)
        self.listenFileDescriptor = listenFileDescriptor
        self.peerFilter = peerFilter
        // libfcgi is never given the listening socket: every connection it reads was accepted
        // here (see `accept`), also after a protocol error, when libfcgi would accept again on
        // its own: it then finds no socket and returns instead.
        FCGX_InitRequest(request, -1, 0)
        _ = CPrefork_set_nonblocking(listenFileDescriptor, 1)
        waitSet = CPrefork_wait_set_create()
        _ = CPrefork_wait_set_add(waitSet, listenFileDescriptor, 1)
    }

    deinit {
        FCGX_Free(request, 1)
        request.deallocate()
        for descriptor in keptConnections { close(descriptor) }
        close(waitSet)
    }

    static func initializeLibrary() -> Bool {
        FCGX_Init() == 0
    }

    /// Takes no new connection from now on (the worker stops once its kept ones are closed).
    /// The listening socket leaves the wait set: the set is made anew, with the kept
    /// connections only (SIGQUIT may have replaced the socket's descriptor already, and epoll
    /// keeps watching the socket it was given).
    func stopAccepting() {
        guard isAccepting else { return }
        isAccepting = false
        close(waitSet)
        waitSet = CPrefork_wait_set_create()
        for descriptor in keptConnections { _ = CPrefork_wait_set_add(waitSet, descriptor, 0) }
    }

    /// Waits for the next request and reads its params: on a kept connection, or on a new one.
    ///
    /// A new connection is accepted here and handed to libfcgi, which then only reads the request:
    /// - on a unix socket, libfcgi's own accept waits for a new connection to become readable with
    ///   `select()` (a guard against a Linux 2.0 bug), and a signal arriving in that wait (a
    ///   reload's SIGQUIT, a log rotation's SIGUSR1) interrupts `select()` even with SA_RESTART;
    ///   libfcgi then closes the connection it accepted, and nginx answers 502 for a request that
    ///   was never seen;
    /// - on TCP, the peer is checked before a byte is read, and a refused one is reported for the
    ///   log (libfcgi's own `FCGI_WEB_SERVER_ADDRS` check closes it silently, and knows IPv4 only).
    func accept() -> AcceptOutcome {
        var hangup: Int32 = 0
        let ready = CPrefork_wait_set_wait(waitSet, &hangup)
        if ready < 0 {
            let code = errno
            return code == EINTR ? .interrupted : .failed(code)
        }
        if ready == listenFileDescriptor, isAccepting {
            return acceptNewConnection()
        }
        guard keptConnections.contains(ready) else { return .interrupted }
        if hangup != 0 {
            keptConnections.remove(ready)
            close(ready)  // also leaves the wait set: no other process has this descriptor
            return .closed
        }
        return readRequest(on: ready)
    }

    private func acceptNewConnection() -> AcceptOutcome {
        var peer = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let descriptor = withUnsafeMutablePointer(to: &peer) {
            // Workers never exec, so the connection needs no close-on-exec flag.
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { CPrefork_accept(listenFileDescriptor, $0, &length) }
        }
        if descriptor < 0 {
            let code = errno
            // EAGAIN: another worker took it first.
            return code == EINTR || code == ECONNABORTED || code == EAGAIN ? .interrupted : .failed(code)
        }
        if let address = FastCGIPeerFilter.peerBytes(peer) {
            if let peerFilter, !peerFilter.allows(address) {
                close(descriptor)
                return .refused(FastCGIPeerFilter.text(of: address))
            }
            // Responses are written whole: no reason to wait for acknowledgements (as libfcgi).
            var one: Int32 = 1
            setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        }
        // Without it, the first worker to have registered would take every new connection.
        _ = CPrefork_wait_set_requeue(waitSet, listenFileDescriptor)
        keptConnections.insert(descriptor)
        _ = CPrefork_wait_set_add(waitSet, descriptor, 0)
        return readRequest(on: descriptor)
    }

    /// Lets libfcgi read the request on `descriptor`. FCGX_Accept_r first finishes the previous
    /// request, closing its connection unless it is kept: marked kept, this one stays open and is
    /// read as is (the request's own flags then set keepConnection again). On a failed read
    /// libfcgi closes the connection.
    private func readRequest(on descriptor: Int32) -> AcceptOutcome {
        request.pointee.keepConnection = 1
        request.pointee.ipcFd = descriptor
        guard FCGX_Accept_r(request) >= 0 else {
            keptConnections.remove(descriptor)
            return .dropped
        }
        return .accepted
    }

    /// The params the application uses, copied (libfcgi frees them at the next accept).
    func params() -> FastCGIParams {
        var params = FastCGIParams()
        guard var entry = request.pointee.envp else { return params }
        while let pointer = entry.pointee {
            // "NAME=value": split at the first '='; the value is only copied if it is used.
            let entryBytes = UnsafeRawBufferPointer(start: pointer, count: strlen(pointer))
            if let equals = entryBytes.firstIndex(of: UInt8(ascii: "=")) {
                let name = UnsafeRawBufferPointer(rebasing: entryBytes[..<equals])
                params.add(name: name) { String(decoding: entryBytes[(equals + 1)...], as: UTF8.self) }
            }
            entry += 1
        }
        return params
    }

    /// Reads up to `limit` body bytes; returns nil when the body is longer (the rest is drained
    /// so the front server is not cut off while still sending).
    func readBody(expectedLength: Int?, limit: Int) -> [UInt8]? {
        var body: [UInt8] = []
        if let expectedLength, expectedLength > 0 { body.reserveCapacity(min(expectedLength, limit)) }
        var tooLarge = false
        // An uninitialised scratch buffer: zero-filling 16 KB for every request (most have no
        // body) cost more than the rest of reading the request.
        withUnsafeTemporaryAllocation(byteCount: 16_384, alignment: 1) { chunk in
            while true {
                let count = Int(
                    FCGX_GetStr(
                        chunk.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(chunk.count),
                        request.pointee.in))
                if count <= 0 { break }
                if tooLarge { continue }
                if body.count + count > limit {
                    tooLarge = true
                    body = []
                } else {
                    body.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[..<count]))
                }
            }
        }
        return tooLarge ? nil : body
    }

    /// Writes bytes to the response stream; false when the client is gone.
    @discardableResult
    func write(_ bytes: [UInt8]) -> Bool {
        guard !bytes.isEmpty else { return true }
        let written = bytes.withUnsafeBytes { raw in
            FCGX_PutStr(raw.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(raw.count), request.pointee.out)
        }
        return written == Int32(bytes.count)
    }

    /// Sends what is buffered to the front server now (a streamed body); false when the
    /// client is gone. libfcgi otherwise sends when its 8 KB buffer fills or at `finish`.
    @discardableResult
    func flush() -> Bool {
        // FCGX_FFlush reports a failed write once; the stream's error stays set after it.
        FCGX_FFlush(request.pointee.out) == 0 && FCGX_GetError(request.pointee.out) == 0
    }

    /// `write` then `flush`: one piece of a streamed body, on its way before the next is made.
    func writeAndFlush(_ bytes: [UInt8]) -> Bool {
        write(bytes) && flush()
    }

    /// Ends the request. libfcgi closes its connection unless the front server asked to keep it
    /// (FCGI_KEEP_CONN); a kept one stays in the wait set for its next request.
    func finish() {
        let descriptor = request.pointee.ipcFd
        FCGX_Finish_r(request)
        if request.pointee.ipcFd < 0 {
            keptConnections.remove(descriptor)
        } else {
            // Not libfcgi's any more: the next request may come on another connection.
            request.pointee.ipcFd = -1
        }
    }
}
