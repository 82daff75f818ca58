import Postgres
import Testing
import TestSupport

@Suite(.enabled(if: TestDatabase.isEnabled, "set PG_TEST_URL to run against PostgreSQL"))
struct PGConnectionTests {
    @Test func queryWithBindsDecodesTypes() throws {
        let connection = try TestDatabase.connect()
        let nothing: Int? = nil
        let rows = try connection.query(
            """
            select \(42)::int as answer, \("héllo")::text as greeting, \(nothing)::int as missing,
                   \(true)::bool as flag, \(1.5)::float8 as ratio, \(Int64(9_000_000_000))::bigint as big
            """)
        #expect(rows.columns == ["answer", "greeting", "missing", "flag", "ratio", "big"])
        #expect(rows.count == 1)
        let row = try #require(rows.first)
        let (answer, greeting, missing, flag, ratio, big) = try row.decode((Int, String, Int?, Bool, Double, Int64).self)
        #expect(answer == 42)
        #expect(greeting == "héllo")
        #expect(missing == nil)
        #expect(flag)
        #expect(ratio == 1.5)
        #expect(big == 9_000_000_000)
        #expect(try row.decode("greeting", as: String.self) == "héllo")
        #expect(row[2] == nil)
    }

    @Test func preparedStatementIsReused() throws {
        let connection = try TestDatabase.connect()
        let query: PGQuery = "select \(1)::int + \(2)::int as sum"
        #expect(try connection.query(query)[0].decode(0, as: Int.self) == 3)
        let again: PGQuery = "select \(10)::int + \(20)::int as sum"
        #expect(try connection.query(again)[0].decode(0, as: Int.self) == 30)
        let count = try connection.query(
            "select count(*) from pg_prepared_statements where statement = \(query.sql)"
        )[0].decode(0, as: Int.self)
        #expect(count == 1)
    }

    @Test func metacharactersInBindsAreJustData() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute(unsafeSQL: "create table notes (body text)")
            let evil = "'); drop table notes; -- $1 \\ \" ; select pg_sleep(5);"
            try connection.query("insert into notes (body) values (\(evil))")
            let stored = try connection.query("select body from notes where body = \(evil)")
            #expect(stored.count == 1)
            #expect(try stored[0].decode(0, as: String.self) == evil)
            let tables = try connection.query("select count(*) from notes")[0].decode(0, as: Int.self)
            #expect(tables == 1)
        }
    }

    @Test func affectedRowsCountsChanges() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute(unsafeSQL: "create table t (n int); insert into t select generate_series(1, 5)")
            #expect(try connection.query("update t set n = n + 1 where n > \(2)").affectedRows == 3)
            #expect(try connection.query("select n from t").affectedRows == 5)
            #expect(try connection.query("create index on t (n)").affectedRows == 0)
        }
    }

    @Test func uniqueViolationIsClassifiedAndDescriptionIsSafe() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute(unsafeSQL: "create table people (email text constraint people_email_key unique)")
            let email = "secret.person@example.com"
            try connection.query("insert into people (email) values (\(email))")
            do {
                try connection.query("insert into people (email) values (\(email))")
                Issue.record("expected a unique violation")
            } catch let error as PGError {
                #expect(error.isUniqueViolation)
                #expect(error.sqlState == "23505")
                #expect(error.constraintName == "people_email_key")
                #expect(!error.isConnectionProblem)
                #expect(!error.description.contains(email))
                #expect(!error.description.lowercased().contains("insert"))
                #expect(!error.description.contains("people"))
                #expect(error.debugDescription.contains("people_email_key"))
            }
            // The connection is still usable afterwards.
            #expect(try connection.query("select count(*) from people")[0].decode(0, as: Int.self) == 1)
        }
    }

    @Test func syntaxErrorIsNotCachedAndConnectionStaysUsable() throws {
        let connection = try TestDatabase.connect()
        #expect { try connection.query("selec \(1)") } throws: { ($0 as? PGError)?.sqlState == "42601" }
        #expect(connection.isConnected)
        #expect(try connection.query("select \(1)::int")[0].decode(0, as: Int.self) == 1)
    }

    @Test func nulByteInBindIsRejected() throws {
        let connection = try TestDatabase.connect()
        #expect { try connection.query("select \("a\u{0}b")::text") } throws: {
            ($0 as? PGError)?.code == .invalidQuery
        }
        #expect(connection.isConnected)
    }

    @Test func executeRunsSeveralStatements() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute(unsafeSQL: "create table a (n int); insert into a values (1), (2); ")
            #expect(try connection.query("select sum(n)::int from a")[0].decode(0, as: Int.self) == 3)
        }
    }

    @Test func reportsServerVersion() throws {
        let connection = try TestDatabase.connect()
        #expect(connection.serverVersion >= 100_000)
        #expect(connection.isConnected)
    }

    @Test func restatedStatementSurvivesDeallocate() throws {
        let connection = try TestDatabase.connect()
        let query: PGQuery = "select \(5)::int"
        #expect(try connection.query(query)[0].decode(0, as: Int.self) == 5)
        try connection.execute(unsafeSQL: "deallocate all")
        #expect(try connection.query(query)[0].decode(0, as: Int.self) == 5)
    }

    @Test func changedResultTypeIsPreparedAgain() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute(unsafeSQL: "create table w (a int)")
            try connection.execute(unsafeSQL: "insert into w values (1)")
            let query: PGQuery = "select * from w where a = \(1)"
            #expect(try connection.query(query).columns == ["a"])
            try connection.execute(unsafeSQL: "alter table w add column b int")
            #expect(try connection.query(query).columns == ["a", "b"])
        }
    }

    @Test func wrongBindCountIsAServerErrorNotAConnectionProblem() throws {
        let connection = try TestDatabase.connect()
        #expect { try connection.query(PGQuery(unsafeSQL: "select $1::int, $2::int", binds: ["1"])) } throws: { error in
            guard let error = error as? PGError else { return false }
            return error.code == .server && !error.isConnectionProblem
        }
        #expect(connection.isConnected)
        #expect(try connection.query("select \(8)::int")[0].decode(0, as: Int.self) == 8)
    }
}
