import AppCore
import Glibc
@testable import FCGIServer
import JSON
import Logging

/// A worker's FastCGI plumbing in the test process: a listening unix socket, libfcgi's request
/// slot on it, and a minimal FastCGI client (what nginx does) to send requests and read the
/// records that come back. Everything runs on the test's thread: the client writes its whole
/// request into the socket buffer first, then the worker side accepts and answers it.
final class FastCGITestPeer {
    /// The unix socket's path, or nil for TCP.
    let path: String?
    /// The TCP port on 127.0.0.1, or 0 for a unix socket.
    let port: UInt16
    let socket: ListenSocket
    let connection: FastCGIConnection

    init() throws {
        try Self.prepareProcess()
        let path = "/tmp/fcgi-test-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sock"
        self.path = path
        port = 0
        socket = try ListenSocket.bind(path, mode: 0o600)
        connection = FastCGIConnection(listenFileDescriptor: socket.fileDescriptor)
    }

    /// A TCP socket on 127.0.0.1 (a free port), answering the peers `filter` trusts.
    init(tcpTrusting filter: FastCGIPeerFilter) throws {
        try Self.prepareProcess()
        path = nil
        let socket = try ListenSocket.bind("127.0.0.1:0", mode: 0)
        self.socket = socket
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(socket.fileDescriptor, $0, &length) }
        }
        port = UInt16(bigEndian: address.sin_port)
        connection = FastCGIConnection(listenFileDescriptor: socket.fileDescriptor, peerFilter: filter)
    }

    /// libfcgi ignores SIGPIPE only where it was still the default; a closed client must give
    /// EPIPE here, never end the test process.
    static func prepareProcess() throws {
        signal(SIGPIPE, SIG_IGN)
        guard FastCGIConnection.initializeLibrary() else { throw TestFailure("FCGX_Init failed") }
    }

    deinit {
        close(socket.fileDescriptor)
        if let path { unlink(path) }
    }

    /// A worker loop on this peer's socket answering with `router`, as a pool's worker runs one
    /// (no database: the context is `()`).
    func loop(
        _ router: Router<Void>, maxBodySize: Int = 1024, requestTimer: RequestTimer? = nil
    ) -> WorkerLoop<Void> {
        let logger = Logger(label: "test")
        return WorkerLoop(
            socket: socket, settings: .init(maxBodySize: maxBodySize, maxRequests: 0), logger: logger,
            application: Application(router: router, logger: logger), context: (), requestTimer: requestTimer)
    }

    /// A client connected to the socket (from 127.0.0.1 for TCP).
    func connectClient() throws -> Client {
        if let path { return try Client(path: path) }
        return try Client(port: port)
    }

    /// Connects a client and sends a GET for `target` (path and query) with `headers`
    /// (`HTTP_*` params, e.g. `HTTP_ACCEPT_LANGUAGE`).
    func sendGET(_ target: String, headers: [String: String] = [:]) throws -> Client {
        let client = try connectClient()
        try client.sendGET(target, headers: headers)
        return client
    }

    /// Connects a client and sends a POST of `body` to `target`, the body split into STDIN
    /// records as nginx sends it.
    func sendPOST(_ target: String, body: [UInt8], contentType: String = "application/octet-stream") throws -> Client {
        let client = try connectClient()
        try client.sendRequest(
            params: [
                "REQUEST_METHOD": "POST", "REQUEST_URI": target, "SCRIPT_NAME": target, "QUERY_STRING": "",
                "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1", "GATEWAY_INTERFACE": "CGI/1.1",
                "CONTENT_TYPE": contentType, "CONTENT_LENGTH": String(body.count),
            ], stdin: body)
        return client
    }

    /// Accepts the pending request and lets `loop` answer it, as `WorkerLoop.run` does.
    func serveOne<Context>(with loop: WorkerLoop<Context>) throws {
        guard case .accepted = connection.accept() else { throw TestFailure("accept failed") }
        loop.serve(connection)
        connection.finish()
    }

    /// Serves `client`'s request and returns the response, read on another thread meanwhile,
    /// as nginx would: libfcgi waits (up to 2 s) for the peer to hang up when it finishes.
    func exchange<Context>(_ client: Client, with loop: WorkerLoop<Context>) throws -> CGIResponse {
        let reader = BackgroundReader(client)
        try serveOne(with: loop)
        return try reader.wait()
    }

    /// Reads one response on its own thread and hangs up after it.
    final class BackgroundReader: @unchecked Sendable {
        private let client: Client
        private var result: Result<CGIResponse, any Error> = .failure(TestFailure("reader did not run"))
        private var thread = pthread_t()

        init(_ client: Client) {
            self.client = client
            let started = pthread_create(
                &thread, nil,
                { context in
                    let reader = Unmanaged<BackgroundReader>.fromOpaque(context!).takeRetainedValue()
                    reader.result = Result { try reader.client.readResponse() }
                    reader.client.close()
                    return nil
                }, Unmanaged.passRetained(self).toOpaque())
            precondition(started == 0, "pthread_create failed")
        }

        func wait() throws -> CGIResponse {
            pthread_join(thread, nil)
            return try result.get()
        }
    }

    /// The client end of one FastCGI connection.
    final class Client {
        private(set) var fileDescriptor: Int32

        init(path: String) throws {
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { raw in
                raw.copyBytes(from: Array(path.utf8) + [0])
            }
            fileDescriptor = try Self.connect(family: AF_UNIX, to: address)
        }

        /// A client on 127.0.0.1 connected to `port`.
        init(port: UInt16) throws {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
            fileDescriptor = try Self.connect(family: AF_INET, to: address)
        }

        /// A stream socket of `family` connected to `address` (a sockaddr_un or sockaddr_in).
        static func connect<Address>(family: Int32, to address: Address) throws -> Int32 {
            let descriptor = Glibc.socket(family, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw TestFailure("socket: errno \(errno)") }
            var address = address
            let result = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<Address>.size))
                }
            }
            guard result == 0 else {
                Glibc.close(descriptor)
                throw TestFailure("connect: errno \(errno)")
            }
            return descriptor
        }

        deinit { close() }

        /// Writes raw bytes (not a FastCGI request).
        func sendRaw(_ bytes: [UInt8]) throws {
            let written = bytes.withUnsafeBytes { write(fileDescriptor, $0.baseAddress, $0.count) }
            guard written == bytes.count else { throw TestFailure("short write") }
        }

        /// True when the server closed the connection (read returns end of file or a reset).
        func wasClosedByServer() -> Bool {
            var byte: UInt8 = 0
            return read(fileDescriptor, &byte, 1) <= 0
        }

        /// Hangs up (a client that goes away).
        func close() {
            if fileDescriptor >= 0 {
                Glibc.close(fileDescriptor)
                fileDescriptor = -1
            }
        }

        /// Sends a GET for `target` on this connection; `keepConnection` asks the worker to keep
        /// it open after the response (FCGI_KEEP_CONN, nginx's `fastcgi_keep_conn on`).
        func sendGET(_ target: String, headers: [String: String] = [:], keepConnection: Bool = false) throws {
            let parts = target.split(separator: "?", maxSplits: 1)
            var params = [
                "REQUEST_METHOD": "GET", "REQUEST_URI": target, "SCRIPT_NAME": String(parts[0]),
                "QUERY_STRING": parts.count > 1 ? String(parts[1]) : "", "REMOTE_ADDR": "127.0.0.1",
                "SERVER_PROTOCOL": "HTTP/1.1", "GATEWAY_INTERFACE": "CGI/1.1",
            ]
            for (name, value) in headers { params[name] = value }
            try sendRequest(params: params, keepConnection: keepConnection)
        }

        /// BEGIN_REQUEST (responder; FCGI_KEEP_CONN with `keepConnection`), the params, an empty
        /// PARAMS, the body in STDIN records of at most 32 KB and an empty STDIN record.
        func sendRequest(params: [String: String], stdin: [UInt8] = [], keepConnection: Bool = false) throws {
            var bytes = Self.record(type: 1, content: [0, 1, keepConnection ? 1 : 0, 0, 0, 0, 0, 0])
            var encoded: [UInt8] = []
            for (name, value) in params.sorted(by: { $0.key < $1.key }) {
                Self.appendLength(name.utf8.count, to: &encoded)
                Self.appendLength(value.utf8.count, to: &encoded)
                encoded += Array(name.utf8) + Array(value.utf8)
            }
            bytes += Self.record(type: 4, content: encoded)
            bytes += Self.record(type: 4, content: [])
            var offset = 0
            while offset < stdin.count {
                let end = min(offset + 32_768, stdin.count)
                bytes += Self.record(type: 5, content: Array(stdin[offset..<end]))
                offset = end
            }
            bytes += Self.record(type: 5, content: [])
            let written = bytes.withUnsafeBytes { write(fileDescriptor, $0.baseAddress, $0.count) }
            guard written == bytes.count else { throw TestFailure("short write of the request") }
        }

        /// Reads records until END_REQUEST; returns the STDOUT records' contents in order
        /// (the empty one that ends the stream left out).
        func readStdoutRecords() throws -> [[UInt8]] {
            var records: [[UInt8]] = []
            while true {
                let header = try readExactly(8)
                let type = header[1]
                let length = Int(header[4]) << 8 | Int(header[5])
                let content = try readExactly(length)
                _ = try readExactly(Int(header[6]))  // padding
                if type == 3 { return records }
                if type == 6, !content.isEmpty { records.append(content) }
            }
        }

        /// The whole response: the CGI head fields and the body, with the STDOUT records.
        func readResponse() throws -> CGIResponse {
            let records = try readStdoutRecords()
            return try CGIResponse(records: records)
        }

        private func readExactly(_ count: Int) throws -> [UInt8] {
            var bytes = [UInt8](repeating: 0, count: count)
            var filled = 0
            while filled < count {
                let result = bytes.withUnsafeMutableBytes { raw in
                    read(fileDescriptor, raw.baseAddress! + filled, count - filled)
                }
                guard result > 0 else { throw TestFailure("connection ended after \(filled) of \(count) bytes") }
                filled += result
            }
            return bytes
        }

        static func record(type: UInt8, content: [UInt8]) -> [UInt8] {
            let padding = (8 - content.count % 8) % 8
            return [1, type, 0, 1, UInt8(content.count >> 8), UInt8(content.count & 0xff), UInt8(padding), 0]
                + content + [UInt8](repeating: 0, count: padding)
        }

        static func appendLength(_ length: Int, to bytes: inout [UInt8]) {
            if length < 128 {
                bytes.append(UInt8(length))
            } else {
                bytes += [
                    UInt8(0x80 | (length >> 24)), UInt8((length >> 16) & 0xff), UInt8((length >> 8) & 0xff), UInt8(length & 0xff),
                ]
            }
        }
    }
}

/// A CGI response as the front server receives it: `Status:` and the other fields, then the body.
struct CGIResponse {
    /// The STDOUT records as they arrived (one per flush).
    let records: [[UInt8]]
    let status: Int
    /// Field names lowercased.
    let fields: [String: String]
    let body: [UInt8]

    init(records: [[UInt8]]) throws {
        self.records = records
        let bytes = records.flatMap { $0 }
        guard let split = Self.headEnd(in: bytes) else { throw TestFailure("no blank line after the head") }
        let head = String(decoding: bytes[..<split], as: UTF8.self)
        var fields: [String: String] = [:]
        for line in head.split(separator: "\r\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            fields[name] = String(line[line.index(after: colon)...].drop(while: { $0 == " " }))
        }
        self.fields = fields
        status = Int(fields["status"]?.prefix(3) ?? "") ?? 0
        body = Array(bytes[(split + 4)...])
    }

    var bodyText: String { String(decoding: body, as: UTF8.self) }

    /// `detail` of a JSON error body.
    var detail: String? {
        guard case .object(let object)? = try? JSONParser.parse(body) else { return nil }
        return object["detail"]?.stringValue
    }

    static func headEnd(in bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10
            && bytes[index + 2] == 13 && bytes[index + 3] == 10
        {
            return index
        }
        return nil
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
