@testable import Postgres
import Testing

struct PGErrorTests {
    @Test func descriptionHoldsKindAndSQLStateOnly() {
        let error = PGError(
            .server,
            message:
                "ERROR:  duplicate key value violates unique constraint \"ix_users_email\"\nDETAIL:  Key (email)=(a@b.c) already exists.",
            sqlState: "23505",
            constraintName: "ix_users_email"
        )
        #expect(error.description == "PGError(server, sqlState: 23505)")
        #expect(!error.description.contains("a@b.c"))
        #expect(error.debugDescription.contains("a@b.c"))
        #expect(error.isUniqueViolation)
        #expect(!error.isConnectionProblem)
        #expect(error.constraintName == "ix_users_email")
    }

    @Test func classifiesConnectionProblems() {
        #expect(PGError(.connectionFailed, message: "").isConnectionProblem)
        #expect(PGError(.connectionLost, message: "").isConnectionProblem)
        #expect(PGError(.connectionLost, message: "", sqlState: "57P01").isConnectionProblem)
        #expect(!PGError(.server, message: "", sqlState: "08P01").isConnectionProblem)
        #expect(!PGError(.server, message: "", sqlState: "42P01").isConnectionProblem)
        #expect(PGError(.server, message: "", sqlState: "57014").isQueryCanceled)
    }

    @Test func failedConnectIsAConnectionProblem() {
        do {
            _ = try PGConnection(conninfo: "host=/nonexistent-pg-socket-dir port=1 user=nobody password=secret connect_timeout=1")
            Issue.record("expected the connection to fail")
        } catch {
            #expect(error.code == .connectionFailed)
            #expect(error.isConnectionProblem)
            #expect(!error.description.contains("secret"))
            #expect(!error.debugDescription.isEmpty)
        }
    }
}
