import Postgres
import Testing

struct PGQueryTests {
    @Test func interpolationWritesPlaceholdersAndCollectsBinds() {
        let id = 42
        let name = "alice"
        let query: PGQuery = "select * from users where id = \(id) and username = \(name)"
        #expect(query.sql == "select * from users where id = $1 and username = $2")
        #expect(query.binds == ["42", "alice"])
    }

    @Test func plainLiteralHasNoBinds() {
        let query: PGQuery = "select 1"
        #expect(query.sql == "select 1")
        #expect(query.binds.isEmpty)
    }

    @Test func nilOptionalBecomesNull() {
        let age: Int? = nil
        let fullName: String? = "Bob"
        let query: PGQuery = "update users set age = \(age), full_name = \(fullName)"
        #expect(query.sql == "update users set age = $1, full_name = $2")
        #expect(query.binds == [nil, "Bob"])
    }

    @Test func encodesEachSupportedType() {
        let query: PGQuery = """
            select \(true), \(false), \(Int32(-7)), \(Int64(9_000_000_000)), \(1.5), \(Double.infinity), \(-Double.infinity), \(Double.nan)
            """
        #expect(query.binds == ["t", "f", "-7", "9000000000", "1.5", "Infinity", "-Infinity", "NaN"])
    }

    @Test func unescapedIsRawSQL() {
        let column = "created_at"
        let limit = 10
        let query: PGQuery = "select id from items order by \(unescaped: column) desc limit \(limit)"
        #expect(query.sql == "select id from items order by created_at desc limit $1")
        #expect(query.binds == ["10"])
    }

    @Test func metacharactersStayInBinds() {
        let evil = "'; drop table users; --"
        let query: PGQuery = "select \(evil)"
        #expect(query.sql == "select $1")
        #expect(query.binds == [evil])
    }

    @Test func unsafeSQLInitKeepsBinds() {
        let query = PGQuery(unsafeSQL: "select $1, $2", binds: ["a", nil])
        #expect(query.sql == "select $1, $2")
        #expect(query.binds == ["a", nil])
    }

    @Test func descriptionNeverShowsBindValues() {
        let secret = "hunter2-password"
        let email = "someone@example.com"
        let query: PGQuery = "select * from users where email = \(email) and hashed_password = \(secret)"
        for text in [query.description, String(reflecting: query), "\(query)"] {
            #expect(!text.contains(secret))
            #expect(!text.contains(email))
            #expect(text.contains("$1=<redacted>"))
            #expect(text.contains("$2=<redacted>"))
        }
        var dumped = ""
        dump(query, to: &dumped)
        #expect(!dumped.contains(secret))
        #expect(!dumped.contains(email))
    }
}
