internal import CFastCGI
import Glibc

/// The one libfcgi request slot of a worker: accept a request, read its params and body, write
/// the response, finish. `FCGX_Request` must stay at one address (its streams point back to it),
/// so it is allocated once and owned here. Not thread-safe: one per (single-threaded) worker.
final class FastCGIConnection {
    enum AcceptOutcome {
        case accepted
        case interrupted
        case failed(Int32)
    }

    private let request: UnsafeMutablePointer<FCGX_Request>
    private let listenFileDescriptor: Int32
    /// The listening socket is a unix socket: connections are accepted here, not by libfcgi.
    private let acceptsHere: Bool

    /// Call after `FCGX_Init()`. `FCGI_FAIL_ACCEPT_ON_INTR` makes a signal wake a blocked accept.
    init(listenFileDescriptor: Int32) {
        self.listenFileDescriptor = listenFileDescriptor
        acceptsHere = Self.isUnixSocket(listenFileDescriptor)
        request = .allocate(capacity: 1)
        FCGX_InitRequest(request, listenFileDescriptor, Int32(FCGI_FAIL_ACCEPT_ON_INTR))
    }

    deinit {
        FCGX_Free(request, 1)
        request.deallocate()
    }

    static func initializeLibrary() -> Bool {
        FCGX_Init() == 0
    }

    /// The C function a signal handler calls so libfcgi stops retrying accept().
    static var shutdownHook: @convention(c) () -> Void { FCGX_ShutdownPending }

    /// Waits for the next request and reads its params.
    ///
    /// On a unix socket the connection is accepted here and handed to libfcgi, which then only
    /// reads the request: libfcgi's own accept waits for a new unix connection to become readable
    /// with `select()` (a guard against a Linux 2.0 bug), and a signal arriving in that wait (a
    /// reload's SIGQUIT, a log rotation's SIGUSR1) interrupts `select()` even with SA_RESTART;
    /// libfcgi then closes the connection it accepted, and nginx answers 502 for a request that
    /// was never seen. On TCP libfcgi accepts as usual (it has no such wait there, and applies
    /// `FCGI_WEB_SERVER_ADDRS`).
    func accept() -> AcceptOutcome {
        if acceptsHere {
            // Workers never exec, so the connection needs no close-on-exec flag.
            let descriptor = Glibc.accept(listenFileDescriptor, nil, nil)
            if descriptor < 0 {
                let code = errno
                return code == EINTR || code == ECONNABORTED ? .interrupted : .failed(code)
            }
            // FCGX_Accept_r first finishes the previous request, closing its connection unless
            // it is kept: marked kept, the one accepted here stays open and is read as is (the
            // request's own flags then set keepConnection again).
            request.pointee.keepConnection = 1
            request.pointee.ipcFd = descriptor
        }
        let result = FCGX_Accept_r(request)
        if result >= 0 { return .accepted }
        let code = errno
        return code == EINTR ? .interrupted : .failed(code)
    }

    static func isUnixSocket(_ descriptor: Int32) -> Bool {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        return result == 0 && address.ss_family == sa_family_t(AF_UNIX)
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
                let count = Int(FCGX_GetStr(chunk.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(chunk.count),
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

    func finish() {
        FCGX_Finish_r(request)
    }
}
