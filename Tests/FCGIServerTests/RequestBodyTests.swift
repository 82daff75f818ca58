import AppCore
import Testing
@testable import FCGIServer

/// Request bodies read from libfcgi's STDIN stream on a real socket: larger than one read,
/// exactly at the limit, over it (413), and none at all.
@Suite(.serialized)
struct RequestBodyTests {
    static let limit = 40_000

    /// `/echo` answers `{"length":N,"sum":S}` for the body it received (S: the byte sum).
    static func makeLoop(peer: FastCGITestPeer) -> WorkerLoop<Void> {
        var router = Router<Void>()
        router.add(
            Route("POST", "/echo", Operation()) { input, _ in
                let body = input.request.body
                let sum = body.reduce(0) { $0 + Int($1) }
                return Response.json(bytes: Array(#"{"length":\#(body.count),"sum":\#(sum)}"#.utf8))
            })
        router.add(
            Route("GET", "/echo", Operation()) { input, _ in
                Response.json(bytes: Array(#"{"length":\#(input.request.body.count)}"#.utf8))
            })
        return peer.loop(router, maxBodySize: limit)
    }

    static func pattern(_ count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
    }

    @Test(arguments: [1, 16_383, 16_384, 16_385, 39_999, 40_000])
    func bodiesUpToTheLimitArriveWhole(size: Int) throws {
        let peer = try FastCGITestPeer()
        let loop = Self.makeLoop(peer: peer)
        let body = Self.pattern(size)
        let response = try peer.exchange(try peer.sendPOST("/echo", body: body), with: loop)
        #expect(response.status == 200)
        #expect(response.bodyText == #"{"length":\#(size),"sum":\#(body.reduce(0) { $0 + Int($1) })}"#)
    }

    @Test func aBodyOverTheLimitIs413AndTheWorkerServesTheNextRequest() throws {
        let peer = try FastCGITestPeer()
        let loop = Self.makeLoop(peer: peer)
        let tooLarge = try peer.exchange(try peer.sendPOST("/echo", body: Self.pattern(Self.limit + 1)), with: loop)
        #expect(tooLarge.status == 413)
        #expect(tooLarge.detail != nil)
        let next = try peer.exchange(try peer.sendPOST("/echo", body: Self.pattern(10)), with: loop)
        #expect(next.status == 200)
    }

    @Test func aRequestWithoutBodyHasAnEmptyOne() throws {
        let peer = try FastCGITestPeer()
        let loop = Self.makeLoop(peer: peer)
        let response = try peer.exchange(try peer.sendGET("/echo"), with: loop)
        #expect(response.bodyText == #"{"length":0}"#)
    }
}
