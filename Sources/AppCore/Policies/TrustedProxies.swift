/// Which address is the client's: `REMOTE_ADDR` (what nginx saw), unless that peer is a
/// trusted proxy (`TRUSTED_PROXIES`, empty by default), whose `X-Forwarded-For` or
/// `X-Real-IP` then names the client — as uvicorn's `--forwarded-allow-ips` does.
///
/// `X-Forwarded-For` is read from the right: each proxy appends the peer it saw, so the
/// entries a client wrote itself come first and cannot be trusted. The client is the
/// right-most entry that is not a trusted proxy; when all are (`*`), the left-most. Without
/// `X-Forwarded-For`, `X-Real-IP` is used; without either, `REMOTE_ADDR`.
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
            if let client = hops.last(where: { !isTrusted($0) }) ?? hops.first { return client }
        }
        if let real = request.headers.value(lowercaseName: "x-real-ip")?.trimmingASCIIWhitespace(), !real.isEmpty {
            return real
        }
        return request.remoteAddress
    }
}
