import AppCore
import Glibc
import Testing
@testable import FCGIServer

/// Connections the front server keeps open between requests (FCGI_KEEP_CONN, nginx's
/// `fastcgi_keep_conn on`), on a real socket: the worker reads the next request from a kept
/// connection, still takes new connections while kept ones sit idle (a worker pinned to an idle
/// connection would leave nginx's new one waiting in the backlog), lets go of a connection only
/// when the front server closes it, and, told to stop, takes no new connection but still answers
/// on its kept ones.
@Suite(.serialized)
struct KeptConnectionTests {
    /// `/n` answers the number of the request (1, 2, …) this worker served.
    final class Counter: @unchecked Sendable { var served = 0 }

    static func makeLoop(peer: FastCGITestPeer, counter: Counter) -> WorkerLoop<Void> {
        var router = Router<Void>()
        router.add(
            Route("GET", "/n", Operation()) { _, _ in
                counter.served += 1
                return Response.json(bytes: Array("\(counter.served)".utf8))
            })
        return peer.loop(router)
    }

    /// Sends `GET /n` on `client`'s kept connection, serves it and returns the response
    /// as `client` reads it.
    static func ask(
        _ peer: FastCGITestPeer, _ loop: WorkerLoop<Void>, on client: FastCGITestPeer.Client
    ) throws -> String {
        try client.sendGET("/n", keepConnection: true)
        try peer.serveOne(with: loop)
        return try client.readResponse().bodyText
    }

    @Test func aKeptConnectionBringsTheNextRequests() throws {
        let peer = try FastCGITestPeer()
        let loop = Self.makeLoop(peer: peer, counter: Counter())
        let client = try peer.connectClient()
        for expected in 1...3 {
            #expect(try Self.ask(peer, loop, on: client) == "\(expected)")
        }
        #expect(peer.connection.keptConnections.count == 1)
    }

    @Test func aNewConnectionIsTakenWhileAKeptOneIsIdle() throws {
        let peer = try FastCGITestPeer()
        let loop = Self.makeLoop(peer: peer, counter: Counter())
        let kept = try peer.connectClient()
        #expect(try Self.ask(peer, loop, on: kept) == "1")
        // The kept connection is idle now; a second one arrives with a request.
        let second = try peer.connectClient()
        #expect(try Self.ask(peer, loop, on: second) == "2")
        #expect(peer.connection.keptConnections.count == 2)
        // Both bring requests again, each answered on its own connection.
        #expect(try Self.ask(peer, loop, on: kept) == "3")
        #expect(try Self.ask(peer, loop, on: second) == "4")
    }

    @Test func aConnectionClosedByTheFrontServerIsLetGo() throws {
        let peer = try FastCGITestPeer()
        let loop = Self.makeLoop(peer: peer, counter: Counter())
        let client = try peer.connectClient()
        #expect(try Self.ask(peer, loop, on: client) == "1")
        client.close()
        guard case .closed = peer.connection.accept() else {
            Issue.record("the hang-up was not reported as a closed connection")
            return
        }
        #expect(peer.connection.keptConnections.isEmpty)
    }

    @Test func withoutKeepConnTheWorkerClosesAfterTheResponse() throws {
        let peer = try FastCGITestPeer()
        let loop = Self.makeLoop(peer: peer, counter: Counter())
        let response = try peer.exchange(try peer.sendGET("/n"), with: loop)
        #expect(response.bodyText == "1")
        #expect(peer.connection.keptConnections.isEmpty)
    }

    @Test func aStoppingWorkerAnswersOnItsKeptConnectionsButTakesNoNewOne() throws {
        let peer = try FastCGITestPeer()
        let loop = Self.makeLoop(peer: peer, counter: Counter())
        let kept = try peer.connectClient()
        #expect(try Self.ask(peer, loop, on: kept) == "1")
        peer.connection.stopAccepting()
        // A new connection with a request waits in the backlog, for another worker…
        let newcomer = try peer.connectClient()
        try newcomer.sendGET("/n", keepConnection: true)
        // …while the request on the kept connection is answered.
        #expect(try Self.ask(peer, loop, on: kept) == "2")
        #expect(peer.connection.keptConnections.count == 1)
        // The newcomer was never accepted here: a fresh worker on the same socket answers it.
        let other = FastCGIConnection(listenFileDescriptor: peer.socket.fileDescriptor)
        guard case .accepted = other.accept() else {
            Issue.record("the new connection was not left in the backlog")
            return
        }
        loop.serve(other)
        other.finish()
        #expect(try newcomer.readResponse().bodyText == "3")
    }
}
