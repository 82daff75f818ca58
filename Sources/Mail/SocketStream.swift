import CryptoSupport
import Glibc

/// A TCP connection for SMTP: non-blocking socket, every wait bounded by a `Deadline`, lines read
/// through a buffer, and TLS (OpenSSL through `CryptoSupport.TLSConnection`) switched on at the
/// start (smtps) or after STARTTLS. Errors are temporary `MailError`s (network trouble).
final class SocketStream {
    private let fd: Int32
    private var tls: TLSConnection?
    private var buffer: [UInt8] = []
    private var closed = false

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        if !closed { Glibc.close(fd) }
    }

    var isEncrypted: Bool { tls != nil }

    /// Connects to `host:port`, trying each address of the name in turn.
    static func connect(host: String, port: Int, deadline: Deadline) throws(MailError) -> SocketStream {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw .temporary("cannot resolve \(host): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(list) }
        var lastError = "no address"
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            entry = current.pointee.ai_next
            let fd = socket(
                current.pointee.ai_family,
                Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else {
                lastError = String(cString: strerror(errno))
                continue
            }
            let stream = SocketStream(fd: fd)
            if Glibc.connect(fd, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 {
                return stream
            }
            guard errno == EINPROGRESS else {
                lastError = String(cString: strerror(errno))
                continue
            }
            do {
                try stream.wait(for: Int16(POLLOUT), deadline: deadline, doing: "connecting to \(host):\(port)")
            } catch {
                lastError = error.message
                continue
            }
            var soError: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
            if soError == 0 { return stream }
            lastError = String(cString: strerror(soError))
        }
        throw .temporary("cannot connect to \(host):\(port): \(lastError)")
    }

    /// Runs the TLS handshake on the open connection (smtps at once; smtp+starttls after the
    /// server's 220 to STARTTLS). Certificate problems fail here.
    func startTLS(context: TLSClientContext, serverName: String, deadline: Deadline) throws(MailError) {
        let connection: TLSConnection
        do {
            connection = try TLSConnection(context: context, fileDescriptor: fd, serverName: serverName)
        } catch {
            throw .temporary("TLS set-up failed: \(error)")
        }
        while true {
            let progress: TLSConnection.Progress
            do {
                progress = try connection.handshake()
            } catch {
                throw .temporary("\(error) (\(serverName))")
            }
            switch progress {
            case .done:
                tls = connection
                buffer.removeAll()
                return
            case .wantRead: try wait(for: Int16(POLLIN), deadline: deadline, doing: "the TLS handshake")
            case .wantWrite: try wait(for: Int16(POLLOUT), deadline: deadline, doing: "the TLS handshake")
            }
        }
    }

    /// Reads one line (without CRLF); lines longer than `maxLength` are an error.
    func readLine(deadline: Deadline, maxLength: Int = 4096) throws(MailError) -> String {
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                var end = newline
                if end > 0 && buffer[end - 1] == 13 { end -= 1 }
                let line = String(decoding: buffer[..<end], as: UTF8.self)
                buffer.removeSubrange(...newline)
                return line
            }
            guard buffer.count <= maxLength else { throw .temporary("the server sent a line longer than \(maxLength) bytes") }
            try fill(deadline: deadline)
        }
    }

    /// True when bytes the server sent are waiting unread (a reply nobody asked for).
    var hasBufferedInput: Bool { !buffer.isEmpty }

    private func fill(deadline: Deadline) throws(MailError) {
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            if let tls {
                let attempt: Result<TLSConnection.ReadResult, CryptoError> = chunk.withUnsafeMutableBytes { raw in
                    Result { () throws(CryptoError) in try tls.read(into: raw) }
                }
                let result: TLSConnection.ReadResult
                switch attempt {
                case .success(let value): result = value
                case .failure(let error): throw .temporary("\(error)")
                }
                switch result {
                case .bytes(let count):
                    buffer += chunk[..<count]
                    return
                case .wantRead: try wait(for: Int16(POLLIN), deadline: deadline, doing: "reading the reply")
                case .wantWrite: try wait(for: Int16(POLLOUT), deadline: deadline, doing: "reading the reply")
                case .closed: throw .temporary("the server closed the connection")
                }
            } else {
                let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    buffer += chunk[..<count]
                    return
                }
                if count == 0 { throw .temporary("the server closed the connection") }
                let error = errno
                if error == EINTR { continue }
                guard error == EAGAIN || error == EWOULDBLOCK else {
                    throw .temporary("read failed: \(String(cString: strerror(error)))")
                }
                try wait(for: Int16(POLLIN), deadline: deadline, doing: "reading the reply")
            }
        }
    }

    /// Writes all of `bytes`.
    func write(_ bytes: [UInt8], deadline: Deadline) throws(MailError) {
        var offset = 0
        while offset < bytes.count {
            if let tls {
                let start = offset
                let attempt: Result<TLSWrite, CryptoError> = bytes.withUnsafeBytes { raw in
                    Result { () throws(CryptoError) in
                        let (written, progress) = try tls.write(UnsafeRawBufferPointer(rebasing: raw[start...]))
                        return TLSWrite(written: written, progress: progress)
                    }
                }
                let outcome: TLSWrite
                switch attempt {
                case .success(let value): outcome = value
                case .failure(let error): throw .temporary("\(error)")
                }
                offset += outcome.written
                switch outcome.progress {
                case .done: continue
                case .wantRead: try wait(for: Int16(POLLIN), deadline: deadline, doing: "sending")
                case .wantWrite: try wait(for: Int16(POLLOUT), deadline: deadline, doing: "sending")
                }
            } else {
                let count = bytes.withUnsafeBytes { raw in
                    Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                }
                if count >= 0 {
                    offset += count
                    continue
                }
                let error = errno
                if error == EINTR { continue }
                guard error == EAGAIN || error == EWOULDBLOCK else {
                    throw .temporary("send failed: \(String(cString: strerror(error)))")
                }
                try wait(for: Int16(POLLOUT), deadline: deadline, doing: "sending")
            }
        }
    }

    /// Closes the connection (a TLS close_notify first, when encrypted).
    func close() {
        guard !closed else { return }
        tls?.shutdown()
        tls = nil
        Glibc.close(fd)
        closed = true
    }

    private struct TLSWrite {
        let written: Int
        let progress: TLSConnection.Progress
    }

    private func wait(for events: Int16, deadline: Deadline, doing what: String) throws(MailError) {
        while true {
            var descriptor = pollfd(fd: fd, events: events, revents: 0)
            let milliseconds = deadline.pollMilliseconds
            guard milliseconds > 0 else { throw .temporary("timed out \(what)") }
            let ready = poll(&descriptor, 1, milliseconds)
            if ready > 0 { return }
            if ready == 0 { throw .temporary("timed out \(what)") }
            if errno != EINTR { throw .temporary("poll failed: \(String(cString: strerror(errno)))") }
        }
    }
}
