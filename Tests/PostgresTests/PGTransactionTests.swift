import Postgres
import Testing
import TestSupport

@Suite(.enabled(if: TestDatabase.isEnabled, "set PG_TEST_URL to run against PostgreSQL"))
struct PGTransactionTests {
    struct Boom: Error {}

    private func count(_ connection: PGConnection) throws -> Int {
        try connection.query("select count(*) from t")[0].decode(0)
    }

    @Test func commitsOnSuccess() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute(unsafeSQL: "create table t (n int)")
            let value = try connection.transaction { connection in
                try connection.query("insert into t values (\(1))")
                try connection.query("insert into t values (\(2))")
                return "done"
            }
            #expect(value == "done")
            #expect(try count(connection) == 2)
        }
    }

    @Test func rollsBackAndRethrowsOnError() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute(unsafeSQL: "create table t (n int)")
            #expect(throws: Boom.self) {
                try connection.transaction { connection in
                    try connection.query("insert into t values (\(1))")
                    throw Boom()
                }
            }
            #expect(try count(connection) == 0)
            #expect(connection.isConnected)
        }
    }

    @Test func rollsBackOnSQLError() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute(unsafeSQL: "create table t (n int not null)")
            #expect {
                try connection.transaction { connection in
                    try connection.query("insert into t values (\(1))")
                    let missing: Int? = nil
                    try connection.query("insert into t values (\(missing))")
                }
            } throws: { ($0 as? PGError)?.sqlState == "23502" }
            #expect(try count(connection) == 0)
        }
    }

    @Test func swallowedErrorMakesCommitThrow() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute(unsafeSQL: "create table t (n int not null)")
            #expect {
                try connection.transaction { connection in
                    try connection.query("insert into t values (\(1))")
                    _ = try? connection.query("select * from no_such_table")
                }
            } throws: { ($0 as? PGError)?.code == .transactionRolledBack }
            #expect(try count(connection) == 0)
        }
    }

    @Test func nestedTransactionUsesSavepoint() throws {
        try TestDatabase.withSchema { connection, _ in
            try connection.execute(unsafeSQL: "create table t (n int)")
            try connection.transaction { connection in
                try connection.query("insert into t values (\(1))")
                #expect(throws: Boom.self) {
                    try connection.transaction { connection in
                        try connection.query("insert into t values (\(2))")
                        throw Boom()
                    }
                }
                try connection.transaction { connection in
                    try connection.query("insert into t values (\(3))")
                }
            }
            let values = try connection.query("select n from t order by n").map { try $0.decode(0, as: Int.self) }
            #expect(values == [1, 3])
        }
    }
}
