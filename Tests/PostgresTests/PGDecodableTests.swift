import Postgres
import Testing

struct PGDecodableTests {
    @Test func decodesIntegers() throws {
        #expect(try Int(pgText: "42") == 42)
        #expect(try Int(pgText: "-7") == -7)
        #expect(try Int32(pgText: "2147483647") == Int32.max)
        #expect(try Int64(pgText: "9000000000") == 9_000_000_000)
    }

    @Test func decodesBooleans() throws {
        #expect(try Bool(pgText: "t") == true)
        #expect(try Bool(pgText: "f") == false)
        #expect(try Bool(pgText: "true") == true)
        #expect(try Bool(pgText: "false") == false)
    }

    @Test func decodesStringsAndDoubles() throws {
        #expect(try String(pgText: "") == "")
        #expect(try String(pgText: "héllo") == "héllo")
        #expect(try Double(pgText: "1.5") == 1.5)
        #expect(try Double(pgText: "-Infinity") == -Double.infinity)
        #expect(try Double(pgText: "NaN").isNaN)
    }

    @Test func optionalDecodesNullAsNil() throws {
        #expect(try Int?(pgText: nil) == nil)
        #expect(try Int?(pgText: "5") == 5)
        #expect(try String?(pgText: nil) == nil)
        #expect(try Bool?(pgText: "t") == true)
    }

    @Test(arguments: ["", "abc", "1.5", "99999999999999999999", " 1"])
    func badIntegerTextThrowsDecoding(text: String) {
        #expect { try Int(pgText: text) } throws: { ($0 as? PGError)?.code == .decoding }
        #expect { try Int?(pgText: text) } throws: { ($0 as? PGError)?.code == .decoding }
    }

    @Test func badTextThrowsDecoding() {
        #expect { try Bool(pgText: "yes") } throws: { ($0 as? PGError)?.code == .decoding }
        #expect { try Int32(pgText: "2147483648") } throws: { ($0 as? PGError)?.code == .decoding }
        #expect { try Double(pgText: "one") } throws: { ($0 as? PGError)?.code == .decoding }
    }

    @Test func nonOptionalThrowsOnNull() {
        #expect { try Int(pgText: nil) } throws: { ($0 as? PGError)?.code == .decoding }
        #expect { try String(pgText: nil) } throws: { ($0 as? PGError)?.code == .decoding }
        #expect { try Bool(pgText: nil) } throws: { ($0 as? PGError)?.code == .decoding }
    }

    @Test func decodingErrorDescriptionHidesTheText() throws {
        do {
            _ = try Int(pgText: "secret-value")
            Issue.record("expected a decoding error")
        } catch {
            #expect(error.code == .decoding)
            #expect(!error.description.contains("secret-value"))
            #expect(error.debugDescription.contains("Int"))
        }
    }
}
