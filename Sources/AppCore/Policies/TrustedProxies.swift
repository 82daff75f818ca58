import Glibc

/// Which address is the client's: `REMOTE_ADDR` (what nginx saw), unless that peer is a
/// trusted proxy (`TRUSTED_PROXIES`, empty by default), whose `X-Forwarded-For` or
/// `X-Real-IP` then names the client — as uvicorn's `--forwarded-allow-ips` does.
///
/// `X-Forwarded-For` is read from the right: each proxy appends the peer it saw, so the
/// entries a client wrote itself come first and cannot be trusted. The client is the
/// right-most entry that is not a trusted proxy; when all are (`*`), the left-most. Without
/// `X-Forwarded-For`, `X-Real-IP` is used; without either, `REMOTE_ADDR`.
///
/// Only an IPv4 or IPv6 address is taken from a header: anything else (a name, garbage, a
/// 120-character string) leaves the peer as the client, so what reaches a rate-limit key, a log
/// line or a column is always a short address.
///
/// ```swift
/// let proxies = TrustedProxies(["10.0.0.2"])
/// // REMOTE_ADDR 10.0.0.2, X-Forwarded-For "6.6.6.6, 203.0.113.9" → "203.0.113.9"
/// ```
public struct TrustedProxies: Sendable {
    let addresses: Set<String>
    let trustsAnyPeer: Bool

    /// - Parameter addresses: exact peer addresses, or `*` for any peer.
    public init(_ addresses: [String]) {
        self.addresses = Set(addresses)
        trustsAnyPeer = addresses.contains("*")
    }

    public var isEnabled: Bool { !addresses.isEmpty }

    func isTrusted(_ address: some StringProtocol) -> Bool {
        trustsAnyPeer || addresses.contains(String(address))
    }

    public func clientAddress(of request: Request) -> String {
        guard isEnabled, isTrusted(request.remoteAddress) else { return request.remoteAddress }
        if let forwarded = request.headers.value(lowercaseName: "x-forwarded-for") {
            let hops = forwarded.split(separator: ",").map { $0.trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
            if let client = hops.last(where: { !isTrusted($0) }) ?? hops.first {
                return Self.isIPAddress(client) ? client : request.remoteAddress
            }
        }
        if let real = request.headers.value(lowercaseName: "x-real-ip")?.trimmingASCIIWhitespace(), !real.isEmpty {
            return Self.isIPAddress(real) ? real : request.remoteAddress
        }
        return request.remoteAddress
    }

    /// A textual IPv4 (`203.0.113.9`) or IPv6 (`2001:db8::1`, `::ffff:192.0.2.1`) address, as
    /// `inet_pton` reads them; no zone ids, names or ports.
    static func isIPAddress(_ text: String) -> Bool {
        guard (2...45).contains(text.utf8.count) else { return false }
        var buffer = in6_addr()
        return text.withCString { pointer in
            inet_pton(AF_INET, pointer, &buffer) == 1 || inet_pton(AF_INET6, pointer, &buffer) == 1
        }
    }
}
