import JSON
import Testing
@testable import AppCore

/// `Schema.number`: any JSON number (Pydantic's `float`), used for the chat's timestamps; and
/// integers at the edge of `Int64` (the chat's message ids).
struct SchemaNumberTests {
    func validate(_ value: JSONValue) -> (JSONValue, [String]) {
        var issues: [ValidationIssue] = []
        let result = SchemaValidator.validate(value, against: .number, at: ["body", "t"], issues: &issues)
        return (result, issues.map(\.type))
    }

    @Test func numbersPassStringsOfNumbersAreRead() {
        #expect(validate(.int(3)) == (.int(3), []))
        #expect(validate(.double(1.5)) == (.double(1.5), []))
        #expect(validate(.string(" 2.5 ")) == (.double(2.5), []))
        #expect(validate(.bool(true)).1 == ["float_type"])
        #expect(validate(.string("abc")).1 == ["float_type"])
        #expect(validate(.string("nan")).1 == ["float_type"])
        var issues: [ValidationIssue] = []
        #expect(SchemaValidator.validate(text: "1e3", against: .number, at: ["query", "t"], issues: &issues) == .double(1000))
        #expect(SchemaValidator.validate(text: "x", against: .number, at: ["query", "t"], issues: &issues) == .string("x"))
        #expect(issues.map(\.type) == ["float_parsing"])
    }

    @Test func integersPastInt64MaxAreRefusedEvenWhenThatIsTheBound() {
        var issues: [ValidationIssue] = []
        _ = SchemaValidator.validate(
            text: "9223372036854775808", against: .integer(IntegerRule(minimum: 0, maximum: Int64.max)),
            at: ["query", "before_id"], issues: &issues)
        #expect(issues.map(\.type) == ["less_than_equal"])
        issues = []
        #expect(
            SchemaValidator.validate(
                text: "9223372036854775807", against: .integer(IntegerRule(minimum: 0, maximum: Int64.max)),
                at: ["query", "before_id"], issues: &issues) == .int(Int64.max))
        #expect(issues.isEmpty)
    }
}
