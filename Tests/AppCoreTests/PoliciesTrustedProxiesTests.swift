import Testing
@testable import AppCore

/// Which address the rate limit and the access log take as the client's.
struct TrustedProxiesTests {
    func client(_ proxies: [String], peer: String, _ headers: [(String, String)]) -> String {
        var fields = HTTPHeaders()
        for (name, value) in headers { fields.add(name, value) }
        return TrustedProxies(proxies).clientAddress(of: Request(method: "GET", path: "/", headers: fields, remoteAddress: peer))
    }

    @Test func withoutTrustedProxiesHeadersAreIgnored() {
        #expect(!TrustedProxies([]).isEnabled)
        #expect(client([], peer: "10.0.0.1", [("x-forwarded-for", "1.2.3.4"), ("x-real-ip", "5.6.7.8")]) == "10.0.0.1")
    }

    @Test func untrustedPeerIsTheClient() {
        #expect(client(["10.0.0.2"], peer: "10.0.0.1", [("x-forwarded-for", "1.2.3.4")]) == "10.0.0.1")
    }

    @Test func forwardedForIsReadFromTheRight() {
        // The client wrote "6.6.6.6" itself; the trusted proxy appended the address it saw.
        #expect(client(["10.0.0.2"], peer: "10.0.0.2", [("x-forwarded-for", "6.6.6.6, 203.0.113.9")]) == "203.0.113.9")
        // A chain of trusted proxies is skipped.
        #expect(
            client(
                ["10.0.0.2", "10.0.0.3"], peer: "10.0.0.2",
                [("x-forwarded-for", "6.6.6.6, 203.0.113.9, 10.0.0.3")]) == "203.0.113.9")
        // With `*` every hop is trusted: the first address.
        #expect(client(["*"], peer: "10.0.0.2", [("x-forwarded-for", " 203.0.113.9 ,10.0.0.3")]) == "203.0.113.9")
    }

    @Test func realIPWhenThereIsNoForwardedFor() {
        #expect(client(["10.0.0.2"], peer: "10.0.0.2", [("x-real-ip", " 203.0.113.5 ")]) == "203.0.113.5")
        #expect(client(["10.0.0.2"], peer: "10.0.0.2", [("x-forwarded-for", " , ")]) == "10.0.0.2")
        #expect(client(["10.0.0.2"], peer: "10.0.0.2", []) == "10.0.0.2")
    }
}

/// What a trusted proxy's header may name: only an address, so a forged value cannot reach a
/// rate-limit key or a column unbounded.
struct TrustedProxiesAddressTests {
    func client(peer: String, _ header: String, _ value: String) -> String {
        var fields = HTTPHeaders()
        fields.add(header, value)
        return TrustedProxies(["*"]).clientAddress(of: Request(method: "GET", path: "/", headers: fields, remoteAddress: peer))
    }

    @Test func addressesAreTaken() {
        #expect(client(peer: "127.0.0.1", "x-forwarded-for", "2001:db8::1") == "2001:db8::1")
        #expect(client(peer: "127.0.0.1", "x-real-ip", "::ffff:192.0.2.1") == "::ffff:192.0.2.1")
    }

    @Test func anythingElseLeavesThePeer() {
        let long = String(repeating: "1", count: 120)
        #expect(client(peer: "127.0.0.1", "x-forwarded-for", long) == "127.0.0.1")
        #expect(client(peer: "127.0.0.1", "x-forwarded-for", "evil.example.com") == "127.0.0.1")
        #expect(client(peer: "127.0.0.1", "x-real-ip", "1.2.3.4:80") == "127.0.0.1")
        #expect(client(peer: "127.0.0.1", "x-real-ip", "fe80::1%eth0") == "127.0.0.1")
        #expect(client(peer: "127.0.0.1", "x-forwarded-for", "300.1.1.1") == "127.0.0.1")
    }

    @Test func thePeerStaysThePeer() {
        var fields = HTTPHeaders()
        fields.add("x-forwarded-for", "127.0.0.1")
        let chain = PolicyChain([], trustedProxies: TrustedProxies(["*"]))
        let prepared = chain.prepare(Request(method: "GET", path: "/status", headers: fields, remoteAddress: "203.0.113.7"))
        #expect(prepared.clientAddress == "127.0.0.1")
        #expect(prepared.remoteAddress == "203.0.113.7")
    }
}
