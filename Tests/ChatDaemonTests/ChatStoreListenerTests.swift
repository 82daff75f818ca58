import ChatCore
import Glibc
import Logging
import NIOConcurrencyHelpers
import Postgres
import Testing
import TestSupport
@testable import ChatDaemon

/// The daemon's two PostgreSQL threads against a real database: what the store writes comes
/// back through the listener, in order, once.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs PG_TEST_URL (scripts/test sets it)"))
struct ChatStoreListenerTests {
    let conninfo: String
    let logger = Logger(label: "test")

    init() throws {
        conninfo = try TestDatabase.migrated()
    }

    /// Collects what a listener delivers.
    final class Inbox: Sendable {
        let events = NIOLockedValueBox<[ChatNotification]>([])
        let up = NIOLockedValueBox(false)

        func messages(in room: String) -> [ChatMessage] {
            events.withLockedValue { events in
                events.compactMap { event in
                    if case .message(let message) = event, message.roomID == room { return message }
                    return nil
                }
            }
        }

        /// Polls `condition` for up to `seconds`.
        func wait(seconds: Double = 10, until condition: () -> Bool) -> Bool {
            for _ in 0..<Int(seconds * 100) {
                if condition() { return true }
                usleep(10_000)
            }
            return condition()
        }
    }

    func startListener() throws -> (ChatListener, Inbox) {
        let inbox = Inbox()
        let listener = ChatListener(
            conninfo: conninfo, logger: logger, keepaliveSeconds: 1,
            deliver: { events in inbox.events.withLockedValue { $0 += events } },
            stateChanged: { up in inbox.up.withLockedValue { $0 = up } })
        listener.start()
        guard inbox.wait(until: { inbox.up.withLockedValue { $0 } }) else {
            throw TestSetupError(description: "the listener did not come up")
        }
        return (listener, inbox)
    }

    func makeUser(active: Bool = true) throws -> Int {
        let name = "chat\(UInt32.random(in: 0...UInt32.max))"
        return try PGConnection(conninfo: conninfo).query(
            """
            INSERT INTO users (username, email, hashed_password, is_active)
            VALUES (\(name), \(name + "@example.com"), 'x', \(active)) RETURNING id
            """)[0].decode(0, as: Int.self)
    }

    func room() -> String { "room\(UInt32.random(in: 0...UInt32.max))" }

    @Test func storedMessagesComeBackInOrderWithIDs() throws {
        let (listener, inbox) = try startListener()
        defer { listener.stop() }
        let store = ChatStore(conninfo: conninfo, logger: logger)
        defer { store.stop() }
        let user = try makeUser()
        let (roomA, roomB) = (room(), room())
        let big = String(repeating: "長", count: 4000)  // 12000 bytes: announced by reference
        store.submit(
            .notify(.joined(roomID: roomA, userID: String(user), origin: ConnectionKey(daemon: "d", number: 1)), failed: nil))
        for index in 0..<30 {
            store.submit(.insert(room: index % 2 == 0 ? roomA : roomB, userID: user, content: "m\(index)") { _ in })
        }
        store.submit(.insert(room: roomA, userID: user, content: big) { _ in })
        store.submit(.notify(.left(roomID: roomA, userID: String(user)), failed: nil))

        #expect(inbox.wait { inbox.messages(in: roomA).count == 16 && inbox.messages(in: roomB).count == 15 })
        let a = inbox.messages(in: roomA)
        #expect(a.map(\.content) == (0..<15).map { "m\($0 * 2)" } + [big])
        #expect(inbox.messages(in: roomB).map(\.content) == (0..<15).map { "m\($0 * 2 + 1)" })
        #expect(zip(a, a.dropFirst()).allSatisfy { $0.id < $1.id })
        #expect(a.allSatisfy { $0.userID == String(user) && $0.timestamp > 1_700_000_000 })
        let notices = inbox.events.withLockedValue { $0.filter { $0.roomID == roomA } }
        #expect(notices.first == .joined(roomID: roomA, userID: String(user), origin: ConnectionKey(daemon: "d", number: 1)))
        #expect(
            inbox.wait {
                inbox.events.withLockedValue { $0.last { $0.roomID == roomA } } == .left(roomID: roomA, userID: String(user))
            })

        // The replay reads the same rows back.
        let replayed = NIOLockedValueBox<[ChatMessage]?>(nil)
        store.submit(
            .replay(room: roomA, afterID: a[0].id, limit: 3) { result in
                replayed.withLockedValue { $0 = try? result.get() }
            })
        #expect(inbox.wait { replayed.withLockedValue { $0 } != nil })
        #expect(replayed.withLockedValue { $0 } == Array(a[1...3]))
    }

    @Test func twoStoresInOneRoomDeliverInIDOrder() throws {
        // Two daemons' stores writing to one room at once: the room lock makes ids follow the
        // commit order, which is the order every listener receives.
        let (listener, inbox) = try startListener()
        defer { listener.stop() }
        let stores = [ChatStore(conninfo: conninfo, logger: logger), ChatStore(conninfo: conninfo, logger: logger)]
        defer { for store in stores { store.stop() } }
        let user = try makeUser()
        let shared = room()
        let count = 200
        for index in 0..<count {
            stores[index % 2].submit(.insert(room: shared, userID: user, content: "s\(index % 2)-\(index)") { _ in })
        }
        #expect(inbox.wait(seconds: 20) { inbox.messages(in: shared).count == count })
        let ids = inbox.messages(in: shared).map(\.id)
        #expect(Set(ids).count == count)
        #expect(ids == ids.sorted())
        // Each store's own messages keep their submission order.
        for store in 0..<2 {
            let mine = inbox.messages(in: shared).map(\.content).filter { $0.hasPrefix("s\(store)-") }
            #expect(mine == stride(from: store, to: count, by: 2).map { "s\(store)-\($0)" })
        }
    }

    @Test func usersAreCheckedAndFailuresReported() throws {
        let store = ChatStore(conninfo: conninfo, logger: logger)
        defer { store.stop() }
        let active = try makeUser()
        let inactive = try makeUser(active: false)
        let statuses = NIOLockedValueBox<[Int: AccountStatus]>([:])
        for id in [active, inactive, 2_000_000_000] {
            store.submit(.checkUser(id: id) { status in statuses.withLockedValue { $0[id] = status } })
        }
        let failure = NIOLockedValueBox(false)
        // A user that does not exist cannot write (foreign key): the sender hears of it.
        store.submit(.insert(room: room(), userID: 2_000_000_000, content: "x") { _ in failure.withLockedValue { $0 = true } })
        let inbox = Inbox()
        #expect(inbox.wait { statuses.withLockedValue { $0.count } == 3 && failure.withLockedValue { $0 } })
        #expect(statuses.withLockedValue { $0 } == [active: .active, inactive: .inactive, 2_000_000_000: .missing])
    }

    @Test func anUnreachableDatabaseFailsCommandsInsteadOfHanging() throws {
        let store = ChatStore(conninfo: "postgresql://postgres@127.0.0.1:1/none?connect_timeout=1", logger: logger)
        defer { store.stop() }
        let status = NIOLockedValueBox<AccountStatus?>(nil)
        store.submit(.checkUser(id: 1) { value in status.withLockedValue { $0 = value } })
        #expect(Inbox().wait { status.withLockedValue { $0 } != nil })
        #expect(status.withLockedValue { $0 } == .unavailable)
    }
}
