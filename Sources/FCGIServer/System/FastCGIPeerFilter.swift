import AppCore
import Glibc

/// Which peers may talk FastCGI to a pool listening on TCP: the web servers named in
/// `FCGI_WEB_SERVER_ADDRS` (libfcgi's variable, as php-fpm's `listen.allowed_clients`), checked
/// by the worker right after `accept`, before a byte of the connection is read. A refused peer's
/// connection is closed and its address logged.
///
/// Differences from libfcgi's own check (which `OS_Accept` makes silently, for IPv4 only): IPv6
/// addresses are understood (an IPv4 peer reaching an IPv6 socket, `::ffff:10.0.0.1`, matches
/// `10.0.0.1`), and an empty list means this host's loopback only, not everyone: a pool put on a
/// private address without the variable refuses the network (and says so in its log) rather than
/// serving it. `*` trusts any peer.
///
/// ```swift
/// let filter = try FastCGIPeerFilter(["10.0.0.1", "10.0.0.9"])
/// filter.allows(peerOf: acceptedAddress)   // true for 10.0.0.1
/// ```
public struct FastCGIPeerFilter: Sendable, Equatable, CustomStringConvertible {
    /// Trusted addresses as 16 bytes each (IPv4 as IPv4-mapped IPv6).
    let addresses: [[UInt8]]
    let trustsAnyPeer: Bool

    public struct InvalidAddress: Error, CustomStringConvertible {
        public let text: String
        public var description: String { "not an IP address: \"\(text.prefix(60))\"" }
    }

    /// - Parameter list: IPv4 or IPv6 addresses, or `*`; empty: loopback only.
    public init(_ list: [String]) throws(InvalidAddress) {
        var addresses: [[UInt8]] = []
        var any = false
        for item in list {
            let text = item.trimmingASCIIWhitespace()
            if text.isEmpty { continue }
            if text == "*" {
                any = true
                continue
            }
            guard let bytes = Self.parse(text) else { throw InvalidAddress(text: text) }
            addresses.append(bytes)
        }
        self.addresses = addresses
        trustsAnyPeer = any
    }

    /// What the list trusts, for the start-up log line.
    public var description: String {
        if trustsAnyPeer { return "any peer" }
        if addresses.isEmpty { return "loopback only" }
        return addresses.map(Self.text(of:)).joined(separator: ",")
    }

    /// True when the peer of an accepted connection may send requests.
    func allows(_ peer: [UInt8]) -> Bool {
        if trustsAnyPeer { return true }
        if addresses.isEmpty { return Self.isLoopback(peer) }
        return addresses.contains(peer)
    }

    /// The peer's address as 16 bytes, from what `accept` filled in; nil for another family.
    static func peerBytes(_ storage: sockaddr_storage) -> [UInt8]? {
        var storage = storage
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafeBytes(of: &storage) { raw in
                let address = raw.load(as: sockaddr_in.self).sin_addr
                return mapped(withUnsafeBytes(of: address) { Array($0) })
            }
        case AF_INET6:
            return withUnsafeBytes(of: &storage) { raw in
                let address = raw.load(as: sockaddr_in6.self).sin6_addr
                return withUnsafeBytes(of: address) { Array($0) }
            }
        default:
            return nil
        }
    }

    /// `203.0.113.9` or `2001:db8::1`; IPv4-mapped addresses are written as IPv4.
    static func text(of bytes: [UInt8]) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        if bytes.starts(with: mappedPrefix) {
            var address = in_addr()
            withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes[12...]) }
            inet_ntop(AF_INET, &address, &buffer, socklen_t(buffer.count))
        } else {
            var address = in6_addr()
            withUnsafeMutableBytes(of: &address) { $0.copyBytes(from: bytes) }
            inet_ntop(AF_INET6, &address, &buffer, socklen_t(buffer.count))
        }
        return String(decoding: buffer.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    static let mappedPrefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]

    static func mapped(_ ipv4: [UInt8]) -> [UInt8] { mappedPrefix + ipv4 }

    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return mapped(withUnsafeBytes(of: v4) { Array($0) }) }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: v6) { Array($0) } }
        return nil
    }

    /// 127.0.0.0/8 (also IPv4-mapped) or ::1.
    static func isLoopback(_ bytes: [UInt8]) -> Bool {
        (bytes.starts(with: mappedPrefix) && bytes[12] == 127) || bytes == [UInt8](repeating: 0, count: 15) + [1]
    }
}
