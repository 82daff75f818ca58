import CPrefork
import Glibc

/// The socket the pool accepts FastCGI connections on: bound by the master itself (unix path or
/// `host:port`) or inherited on fd 0 from `spawn-fcgi`.
public struct ListenSocket: Sendable {
    public let fileDescriptor: Int32
    public let description: String

    /// True for an IPv4 or IPv6 socket (bound here or inherited), whose peers are checked against
    /// `FCGI_WEB_SERVER_ADDRS`; false for a unix socket.
    public var isTCP: Bool {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fileDescriptor, $0, &length) }
        }
        return result == 0 && (Int32(address.ss_family) == AF_INET || Int32(address.ss_family) == AF_INET6)
    }

    /// Backlog of pending connections, as php-fpm's default.
    static let backlog: Int32 = 1024

    /// fd 0 when it is a listening socket (started by spawn-fcgi), else nil.
    public static func inherited() -> ListenSocket? {
        CPrefork_is_listening_socket(0) == 1 ? ListenSocket(fileDescriptor: 0, description: "inherited fd 0") : nil
    }

    /// Binds `address`: a path (unix socket, with `mode` as its permissions) or `host:port`
    /// (`127.0.0.1:9000`, `[::1]:9000`). An existing socket file at the path is replaced; any
    /// other file there is an error.
    public static func bind(_ address: String, mode: UInt32) throws(SystemError) -> ListenSocket {
        if address.hasPrefix("/") || address.hasPrefix(".") || !address.contains(":") {
            return try bindUnix(path: address, mode: mode)
        }
        return try bindTCP(address)
    }

    static func bindUnix(path: String, mode: UInt32) throws(SystemError) -> ListenSocket {
        var info = stat()
        if lstat(path, &info) == 0 {
            guard (info.st_mode & S_IFMT) == S_IFSOCK else {
                throw SystemError(call: "bind \(path) (not a socket)", errno: EEXIST)
            }
            unlink(path)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SystemError(call: "bind \(path)", errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let fd = try syscall("socket") { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        do {
            try syscall("bind \(path)") {
                withUnsafePointer(to: &address) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                    }
                }
            }
            try syscall("chmod \(path)") { chmod(path, mode_t(mode)) }
            try syscall("listen") { listen(fd, backlog) }
        } catch {
            close(fd)
            throw error
        }
        return ListenSocket(fileDescriptor: fd, description: "unix:\(path)")
    }

    static func bindTCP(_ text: String) throws(SystemError) -> ListenSocket {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else {
            throw SystemError(call: "parse address \(text)", errno: EINVAL)
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { throw SystemError(call: "parse address \(text) (name the interface, e.g. 127.0.0.1)", errno: EINVAL) }
        var v4 = sockaddr_in()
        var v6 = sockaddr_in6()
        let family: Int32
        if inet_pton(AF_INET, host, &v4.sin_addr) == 1 {
            family = AF_INET
            v4.sin_family = sa_family_t(AF_INET)
            v4.sin_port = port.bigEndian
        } else if inet_pton(AF_INET6, host, &v6.sin6_addr) == 1 {
            family = AF_INET6
            v6.sin6_family = sa_family_t(AF_INET6)
            v6.sin6_port = port.bigEndian
        } else {
            throw SystemError(call: "parse address \(text) (an IP address is needed)", errno: EINVAL)
        }
        let fd = try syscall("socket") { socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        do {
            var one: Int32 = 1
            try syscall("setsockopt") { setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) }
            try syscall("bind \(text)") {
                family == AF_INET
                    ? withUnsafePointer(to: &v4) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                        }
                    }
                    : withUnsafePointer(to: &v6) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                            Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                        }
                    }
            }
            try syscall("listen") { listen(fd, backlog) }
        } catch {
            close(fd)
            throw error
        }
        return ListenSocket(fileDescriptor: fd, description: "tcp:\(text)")
    }
}
