import Postgres
import Testing

struct PGRowTests {
    let result = PGResult(
        columns: ["id", "name", "age", "active"],
        rows: [["1", "alice", nil, "t"], ["2", "bob", "30", "f"]],
        affectedRows: 2
    )

    @Test func resultIsACollectionOfRows() {
        #expect(result.count == 2)
        #expect(result.columns == ["id", "name", "age", "active"])
        #expect(result.affectedRows == 2)
        #expect(result.map { $0[1] } == ["alice", "bob"])
    }

    @Test func rawSubscriptGivesTextOrNil() {
        #expect(result[0][0] == "1")
        #expect(result[0][2] == nil)
        #expect(result[1][2] == "30")
    }

    @Test func decodesByIndexAndName() throws {
        let row = result[1]
        #expect(try row.decode(0, as: Int.self) == 2)
        #expect(try row.decode("name", as: String.self) == "bob")
        let age: Int? = try row.decode("age")
        #expect(age == 30)
        #expect(try row.decode("active", as: Bool.self) == false)
    }

    @Test func decodesTuples() throws {
        let (id, name, age, active) = try result[0].decode((Int, String, Int?, Bool).self)
        #expect(id == 1)
        #expect(name == "alice")
        #expect(age == nil)
        #expect(active)
    }

    @Test func missingColumnsThrowDecoding() {
        #expect { try result[0].decode("nope", as: Int.self) } throws: { ($0 as? PGError)?.code == .decoding }
        #expect { try result[0].decode(9, as: Int.self) } throws: { ($0 as? PGError)?.code == .decoding }
        #expect { try result[0].decode((Int, String, Int?, Bool, Int).self) } throws: {
            ($0 as? PGError)?.code == .decoding
        }
    }

    @Test func nullInNonOptionalThrows() {
        #expect { try result[0].decode("age", as: Int.self) } throws: { ($0 as? PGError)?.code == .decoding }
    }
}
