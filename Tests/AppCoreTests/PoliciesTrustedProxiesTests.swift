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
        #expect(client(["10.0.0.2", "10.0.0.3"], peer: "10.0.0.2",
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
