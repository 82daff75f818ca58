import Testing
@testable import AppCore

/// `Schema.number`: any JSON number (Pydantic's `float`), used for the chat's timestamps.
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
}
