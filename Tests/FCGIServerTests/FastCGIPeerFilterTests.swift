import AppCore
import Testing
@testable import FCGIServer

/// `FCGI_WEB_SERVER_ADDRS`: which peers a pool on TCP answers, as parsed and as checked on a real
/// socket (a trusted peer is served, another one's connection is closed before it is read).
@Suite(.serialized)
struct FastCGIPeerFilterTests {
    static func bytes(_ text: String) -> [UInt8] { FastCGIPeerFilter.parse(text)! }

    @Test func namedAddressesAreTrustedAndNoOthers() throws {
        let filter = try FastCGIPeerFilter(["10.47.2.1", " 2001:db8::7 "])
        #expect(filter.allows(Self.bytes("10.47.2.1")))
        #expect(filter.allows(Self.bytes("2001:db8::7")))
        #expect(!filter.allows(Self.bytes("10.47.2.12")))
        #expect(!filter.allows(Self.bytes("127.0.0.1")))
        #expect(filter.description == "10.47.2.1,2001:db8::7")
    }

    @Test func anIPv4PeerOnAnIPv6SocketMatchesItsIPv4Address() throws {
        let filter = try FastCGIPeerFilter(["10.47.2.1"])
        #expect(filter.allows(Self.bytes("::ffff:10.47.2.1")))
        #expect(FastCGIPeerFilter.text(of: Self.bytes("::ffff:10.47.2.1")) == "10.47.2.1")
    }

    @Test func anEmptyListTrustsLoopbackOnly() throws {
        let filter = try FastCGIPeerFilter([])
        #expect(filter.allows(Self.bytes("127.0.0.1")))
        #expect(filter.allows(Self.bytes("127.9.9.9")))
        #expect(filter.allows(Self.bytes("::1")))
        #expect(!filter.allows(Self.bytes("10.0.0.1")))
        #expect(!filter.allows(Self.bytes("::2")))
        #expect(filter.description == "loopback only")
    }

    @Test func aStarTrustsAnyPeer() throws {
        let filter = try FastCGIPeerFilter(["*"])
        #expect(filter.allows(Self.bytes("203.0.113.9")))
        #expect(filter.description == "any peer")
    }

    @Test(arguments: ["nginx.internal", "10.0.0.0/8", "10.0.0.1:9000", "300.1.1.1"])
    func anythingButAnAddressIsRefused(text: String) {
        #expect(throws: FastCGIPeerFilter.InvalidAddress.self) { try FastCGIPeerFilter([text]) }
    }

    @Test func theSettingIsCheckedAtStartUp() throws {
        let settings = SettingsReader(environment: ["FCGI_WEB_SERVER_ADDRS": "10.0.0.1,web-1"])
        #expect { try PoolConfiguration(settings) } throws: { "\($0)".contains("FCGI_WEB_SERVER_ADDRS") }
        let good = try PoolConfiguration(SettingsReader(environment: ["FCGI_WEB_SERVER_ADDRS": "10.0.0.1, ::1"]))
        #expect(good.webServers == (try FastCGIPeerFilter(["10.0.0.1", "::1"])))
    }

    static func makeLoop(peer: FastCGITestPeer) -> WorkerLoop<Void> {
        var router = Router<Void>()
        router.add(Route("GET", "/ping", Operation()) { _, _ in Response.json(bytes: Array(#"{"pong":true}"#.utf8)) })
        return peer.loop(router)
    }

    @Test func aTrustedPeerOnTCPIsServed() throws {
        let peer = try FastCGITestPeer(tcpTrusting: try FastCGIPeerFilter(["127.0.0.1"]))
        #expect(peer.socket.isTCP)
        let loop = Self.makeLoop(peer: peer)
        for _ in 0..<3 {
            let response = try peer.exchange(try peer.sendGET("/ping"), with: loop)
            #expect(response.status == 200)
            #expect(response.bodyText == #"{"pong":true}"#)
        }
    }

    @Test func anUntrustedPeerIsRefusedBeforeAnythingIsRead() throws {
        let peer = try FastCGITestPeer(tcpTrusting: try FastCGIPeerFilter(["127.0.0.2"]))
        let client = try peer.sendGET("/ping")
        guard case .refused(let address) = peer.connection.accept() else {
            Issue.record("the connection was not refused")
            return
        }
        #expect(address == "127.0.0.1")
        #expect(client.wasClosedByServer())
    }

    @Test func aTrustedPeerThatSendsGarbageIsDroppedAndTheNextOneServed() throws {
        let peer = try FastCGITestPeer(tcpTrusting: try FastCGIPeerFilter([]))
        let loop = Self.makeLoop(peer: peer)
        let garbage = try peer.connectClient()
        try garbage.sendRaw(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        garbage.close()
        // libfcgi gives up the connection and, having no socket of its own to accept on, returns.
        guard case .dropped = peer.connection.accept() else {
            Issue.record("the garbage connection was not dropped")
            return
        }
        let response = try peer.exchange(try peer.sendGET("/ping"), with: loop)
        #expect(response.status == 200)
    }
}
