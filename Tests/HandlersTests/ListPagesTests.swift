import AppCore
import Glibc
import Handlers
import Postgres
import Testing
import TestSupport

/// Lists at any table size (migration 0007): totals kept exactly by the triggers through every
/// kind of write, deep pages found through the bucket counts that are exactly the pages OFFSET
/// gives, searches answered from the trigram indexes with the same matches as before, and the
/// one-statement item creation with the checks it always made. Each test has a database of its
/// own: a total counts the whole table.
@Suite(.enabled(if: TestDatabase.isEnabled, "needs PG_TEST_URL (scripts/test sets it)"))
struct ListPagesTests {
    let client: TestClient

    init() throws {
        client = try TestClient(database: try TestDatabase.makeMigratedDatabase())
    }

    /// Buckets (and totals, bucket -2147483648) whose counter rows disagree with the table: none expected.
    func miscounted() throws -> [String] {
        try client.sql(
            """
            SELECT coalesce(c.relname, a.relname) || ' bucket ' || coalesce(c.bucket, a.bucket)
                   || ': counted ' || coalesce(c.n, 0) || ', actual ' || coalesce(a.n, 0)
            FROM (SELECT relname, bucket, sum(n) AS n FROM row_counts GROUP BY 1, 2) c
            FULL JOIN (
                SELECT 'items'::name AS relname, -2147483648 AS bucket, count(*) AS n FROM items
                UNION ALL SELECT 'items', id >> 10, count(*) FROM items GROUP BY 2
                UNION ALL SELECT 'users', -2147483648, count(*) FROM users
                UNION ALL SELECT 'users', id >> 10, count(*) FROM users GROUP BY 2
            ) a ON a.relname = c.relname AND a.bucket = c.bucket
            WHERE coalesce(c.n, 0) <> coalesce(a.n, 0)
            """
        ).map { try $0.decode(0, as: String.self) }
    }

    func count(_ table: String) throws -> Int64 {
        Int64(try client.sql(PGQuery(unsafeSQL: "SELECT count(*) FROM \(table)"))[0].decode(0, as: Int.self))
    }

    func total(_ target: String, token: String? = nil) throws -> Int64? {
        try client.send("GET", target, token: token).object?["total"]?.intValue
    }

    func ids(_ target: String, key: String = "items", token: String? = nil) throws -> [Int64] {
        try client.send("GET", target, token: token).object?[key]?.arrayValue?.compactMap { $0.objectValue?["id"]?.intValue }
            ?? []
    }

    func insertItems(_ count: Int, owner: Int, title: String = "Item") throws {
        try client.sql(
            """
            INSERT INTO items (title, description, price, owner_id)
            SELECT \(title) || ' ' || g, 'number ' || g, g, \(owner) FROM generate_series(1, \(count)) g
            """)
    }

    @Test func totalsFollowEveryKindOfWrite() throws {
        let account = try client.account()
        #expect(try miscounted() == [])
        try insertItems(3000, owner: account.id)
        #expect(try total("/api/v1/items/") == 3000)
        try client.sql("DELETE FROM items WHERE id % 7 = 0")
        #expect(try total("/api/v1/items/") == (try count("items")))
        for index in 1...3 {
            let created = try client.send(
                "POST", "/api/v1/items/", json: ["title": .string("api \(index)")],
                token: account.accessToken)
            #expect(created.status == 201)
        }
        // An id moved to another bucket, a user deleted with their items (ON DELETE CASCADE).
        try client.sql("UPDATE items SET id = 900000 WHERE id = (SELECT min(id) FROM items)")
        let other = try client.account()
        try insertItems(1500, owner: other.id)
        try client.sql("DELETE FROM users WHERE id = \(other.id)")
        #expect(try total("/api/v1/items/") == (try count("items")))
        #expect(try total("/api/v1/users/", token: account.accessToken) == (try count("users")))
        #expect(try miscounted() == [])
        // TRUNCATE resets the counts; the next rows count from zero.
        try client.sql("TRUNCATE items")
        #expect(try total("/api/v1/items/") == 0)
        try insertItems(10, owner: account.id)
        #expect(try total("/api/v1/items/") == 10)
        #expect(try miscounted() == [])
    }

    @Test func deepPagesAreThePagesOffsetGives() throws {
        let account = try client.account()
        try insertItems(6000, owner: account.id)
        // Gaps of every size: single rows, and whole buckets (ids 2048…4095) emptied.
        try client.sql("DELETE FROM items WHERE id % 7 = 0 OR id BETWEEN 2048 AND 4095")
        let items = try count("items")
        let offsets = [0, 20, 1000, 1003, 1004, 1020, 1024, 2040, 2100, 2980, Int(items) - 20, Int(items) - 1, Int(items)]
        for perPage in [20, 7] {
            for offset in offsets where offset % perPage == 0 || perPage == 7 {
                let page = offset / perPage + 1
                let expected = try client.sql(
                    """
                    SELECT id FROM items ORDER BY id DESC OFFSET \((page - 1) * perPage) LIMIT \(perPage)
                    """
                ).map { Int64(try $0.decode(0, as: Int.self)) }
                let target = "/api/v1/items/?page=\(page)&per_page=\(perPage)"
                #expect(try ids(target) == expected, "\(target)")
                #expect(try total(target) == items, "\(target)")
            }
        }
        // Rows with ids below zero (an import may write any id) are counted and listed last.
        try client.sql(
            "INSERT INTO items (id, title, owner_id) VALUES (-5, 'below zero', \(account.id)), (-1030, 'far below', \(account.id))"
        )
        // Newer rows fill whole buckets (ids 6144…8191 all there): a page that starts in one is
        // found without stepping over its rows.
        try insertItems(3000, owner: account.id)
        #expect(try miscounted() == [])
        let grown = try count("items")
        for offset in [0, 900, 1000, 2000, 2999, Int(grown) - 3, Int(grown) - 1] {
            let page = offset / 20 + 1
            let paged = try client.sql("SELECT id FROM items ORDER BY id DESC OFFSET \((page - 1) * 20) LIMIT 20")
                .map { Int64(try $0.decode(0, as: Int.self)) }
            #expect(try ids("/api/v1/items/?page=\(page)&per_page=20") == paged, "page \(page)")
        }
        #expect(try ids("/api/v1/items/?page=\((Int(grown) - 1) / 20 + 1)&per_page=20").last == -1030)
        // The same walk over users.
        try client.sql(
            """
            INSERT INTO users (username, email, hashed_password, is_active, is_admin, created_at, updated_at)
            SELECT 'member' || g, 'member' || g || '@example.com', 'x', true, false, now(), now() FROM generate_series(1, 2500) g
            """)
        try client.sql("DELETE FROM users WHERE id % 5 = 0 AND id <> \(account.id)")
        for page in [1, 52, 60, 125] {
            let expected = try client.sql("SELECT id FROM users ORDER BY id DESC OFFSET \((page - 1) * 20) LIMIT 20")
                .map { Int64(try $0.decode(0, as: Int.self)) }
            #expect(try ids("/api/v1/users/?page=\(page)", key: "users", token: account.accessToken) == expected)
        }
    }

    @Test func searchMatchesWhatILikeMatchedAndCountsIt() throws {
        let account = try client.account()
        try client.sql(
            """
            INSERT INTO items (title, description, price, owner_id) VALUES
                ('Blue Widget', NULL, 1, \(account.id)),
                ('blue gadget', 'BLUE', 2, \(account.id)),
                ('Cotton shirt', '100% cotton', 3, \(account.id)),
                ('Cotton sheet', '100 cotton', 4, \(account.id)),
                ('snake_case', 'under_score', 5, \(account.id)),
                ('snakeXcase', 'underXscore', 6, \(account.id)),
                ('日本語のテスト商品', '説明', 7, \(account.id)),
                ('plain', 'only in the description: needle', 8, \(account.id))
            """)
        try insertItems(3000, owner: account.id, title: "Filler")
        #expect(try total("/api/v1/items/?search=BLUE") == 2)
        #expect(try total("/api/v1/items/?search=bl") == 2)  // shorter than a trigram: still found
        #expect(try total("/api/v1/items/?search=100%25") == 1)  // % taken literally
        #expect(try total("/api/v1/items/?search=_") == 1)  // _ taken literally
        #expect(try total("/api/v1/items/?search=e_c") == 1)
        #expect(try total("/api/v1/items/?search=%E6%97%A5%E6%9C%AC%E8%AA%9E") == 1)
        #expect(try total("/api/v1/items/?search=needle") == 1)
        #expect(try total("/api/v1/items/?search=filler%201") == 1111)  // 1, 10…19, 100…199, 1000…1999
        // Pages of the matches, newest first, with the count of all of them.
        let second = try client.send("GET", "/api/v1/items/?search=cotton&page=2&per_page=1")
        #expect(second.object?["total"] == 2)
        #expect(second.object?["items"]?.arrayValue?.first?.objectValue?["title"] == "Cotton shirt")
        #expect(try ids("/api/v1/items/?search=cotton&page=3&per_page=1") == [])
        // Users: username, email or full name.
        try client.sql("UPDATE users SET full_name = 'Ada Lovelace' WHERE id = \(account.id)")
        #expect(try total("/api/v1/users/?search=lovelace", token: account.accessToken) == 1)
        #expect(try total("/api/v1/users/?search=\(account.username.uppercased())", token: account.accessToken) == 1)
        #expect(try total("/api/v1/users/?search=%40EXAMPLE.com", token: account.accessToken) == (try count("users")))
    }

    @Test func aSearchTooBroadToCountInTimeIs504AndLeavesNoLimitBehind() throws {
        let strict = try TestClient(database: client.conninfo, settings: ["SEARCH_TIMEOUT_MILLISECONDS": "1"])
        let account = try strict.account()
        try insertItems(100_000, owner: account.id)
        let answer = try strict.send("GET", "/api/v1/items/?search=number")
        #expect(answer.status == 504)
        #expect(answer.detail == Message.searchTooBroad.japanese)
        // The limit was the search's alone: the same session runs the next statement without it.
        let limit = try strict.context.database.withConnection { connection in
            try connection.query("SHOW statement_timeout")[0].decode(0, as: String.self)
        }
        #expect(limit == "0")
        #expect(try strict.send("GET", "/api/v1/items/?page=3").status == 200)
    }

    /// The worker's request timer cancels a statement as the search's own limit does (both
    /// SQLSTATE 57014): a search it cancels is a request that ran out of time, not one too broad.
    @Test func aSearchCancelledByTheRequestTimerIsATimeoutNotATooBroadSearch() throws {
        let patient = try TestClient(database: client.conninfo, settings: ["SEARCH_TIMEOUT_MILLISECONDS": "60000"])
        final class RequestTimer: @unchecked Sendable {
            var fired = false
            var session: PGConnection?
        }
        let timer = RequestTimer()
        patient.context.database.refusesQueries = { timer.fired }
        patient.context.database.sessionDidChange = { timer.session = $0 }
        // Another session holds the table: the search waits until it is cancelled.
        let locker = try PGConnection(conninfo: client.conninfo)
        try locker.execute(unsafeSQL: "BEGIN")
        try locker.execute(unsafeSQL: "LOCK TABLE items IN ACCESS EXCLUSIVE MODE")
        let conninfo = client.conninfo
        let canceller = TestThread {
            // Fire once the search waits for the lock.
            guard let observer = try? PGConnection(conninfo: conninfo) else { return }
            for _ in 0..<400 {
                let waiting = try? observer.query(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%ILIKE%'"
                )[0].decode(0, as: Int.self)
                if waiting == 1 { break }
                usleep(10_000)
            }
            timer.fired = true
            timer.session?.cancelRunningQuery()
        }
        let answer = try patient.send("GET", "/api/v1/items/?search=anything")
        canceller.join()
        try locker.execute(unsafeSQL: "ROLLBACK")
        #expect(answer.status == 504)
        #expect(answer.detail != Message.searchTooBroad.japanese)
        #expect(answer.detail?.hasPrefix("処理がタイムアウトしました") == true)
    }

    @Test func creatingAnItemNeedsAnActiveOwnerThatExists() throws {
        let account = try client.account()
        let created = try client.send("POST", "/api/v1/items/", json: ["title": "first", "price": 5], token: account.accessToken)
        #expect(created.status == 201)
        #expect(created.object?["owner_id"] == .int(Int64(account.id)))
        let etag = try #require(created.headers["ETag"])
        let read = try client.send("GET", "/api/v1/items/\(created.object?["id"]?.intValue ?? 0)")
        #expect(read.headers["ETag"] == etag)

        try client.sql("UPDATE users SET is_active = false WHERE id = \(account.id)")
        let inactive = try client.send("POST", "/api/v1/items/", json: ["title": "second"], token: account.accessToken)
        #expect(inactive.status == 403)
        #expect(inactive.detail == "アカウントが無効です")

        try client.sql("DELETE FROM users WHERE id = \(account.id)")
        let gone = try client.send("POST", "/api/v1/items/", json: ["title": "third"], token: account.accessToken)
        #expect(gone.status == 401)
        #expect(gone.detail == "認証情報が無効です")
        #expect(gone.headers["WWW-Authenticate"] == "Bearer")
        #expect(try count("items") == 0)  // the first went with its owner; the others were never written
    }
}
