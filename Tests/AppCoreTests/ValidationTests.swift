import JSON
import Testing
@testable import AppCore

/// Schema validation rules, one Pydantic behaviour per test.
struct SchemaValidatorTests {
    func check(_ value: JSONValue, _ schema: Schema) -> (JSONValue, [ValidationIssue]) {
        var issues: [ValidationIssue] = []
        let result = SchemaValidator.validate(value, against: schema, at: ["body", "x"], issues: &issues)
        return (result, issues)
    }

    @Test func integersAcceptIntegralFloatsAndNumericStrings() {
        let schema = Schema.integer(IntegerRule(minimum: 0))
        #expect(check(3.0, schema).0 == 3)
        #expect(check("42", schema).0 == 42)
        #expect(check(2.5, schema).1.map(\.type) == ["int_from_float"])
        #expect(check(true, schema).1.map(\.type) == ["int_type"])
        #expect(check("4x", schema).1.map(\.type) == ["int_parsing"])
    }

    @Test func exclusiveMinimumIsGreaterThan() {
        let found = check(0, .integer(IntegerRule(maximum: 150, exclusiveMinimum: 0))).1
        #expect(found.map(\.type) == ["greater_than"])
        #expect(found.first?.message.english == "Input should be greater than 0")
    }

    @Test func stringsAreStrippedThenMeasuredInCharacters() {
        let schema = Schema.string(StringRule(minLength: 1, maxLength: 3))
        #expect(check("  あいう  ", schema).0 == "あいう")
        #expect(check("   ", schema).1.map(\.type) == ["string_too_short"])
        let long = check("abcd", schema).1
        #expect(long.map(\.type) == ["string_too_long"])
        #expect(long.first?.message.english == "String should have at most 3 characters")
    }

    @Test func patternsMatchAsPydanticsRegexDoes() {
        let username = "^[a-zA-Z0-9_-]+$"
        #expect(PatternMatcher.matches("john_doe-1", pattern: username))
        #expect(!PatternMatcher.matches("john\n", pattern: username))  // `$` is the end, not before a newline
        #expect(!PatternMatcher.matches("jöhn", pattern: username))  // non-ASCII is outside ASCII classes
        #expect(!PatternMatcher.matches("", pattern: username))
        #expect(!PatternMatcher.matches("john\u{0}doe", pattern: username))  // no C-string truncation
        #expect(PatternMatcher.matches("xx password yy", pattern: "password"))  // unanchored: searched
        #expect(!PatternMatcher.matches("passwordx", pattern: "^password$"))
        #expect(PatternMatcher.matches("2026-11", pattern: "^[0-9]{4}-[0-9]{2}$"))
    }

    @Test func patternMismatchNamesThePattern() {
        let found = check("bad name!", .string(StringRule(pattern: "^[a-zA-Z0-9_-]+$"))).1
        #expect(found.map(\.type) == ["string_pattern_mismatch"])
        #expect(found.first?.message.english == "String should match pattern '^[a-zA-Z0-9_-]+$'")
        #expect(check("john_doe-1", .string(StringRule(pattern: "^[a-zA-Z0-9_-]+$"))).1.isEmpty)
    }

    @Test func emailsAreCheckedAndDomainLowercased() {
        let schema = Schema.string(StringRule(format: .email))
        #expect(check("Taro@Example.COM", schema).0 == "Taro@example.com")
        for bad in ["plain", "a@b", "a@@b.com", ".a@b.com", "a..b@c.com", "a@-b.com", "a b@c.com", "a@b.123"] {
            #expect(check(.string(bad), schema).1.map(\.type) == ["value_error"], "\(bad)")
        }
    }

    @Test func fieldValidatorAndModelCheckGiveValueErrors() {
        let schema = ObjectSchema(
            name: "UserCreate",
            fields: [
                FieldSchema(
                    "username", .string(StringRule()),
                    validate: { value in
                        value.stringValue?.lowercased() == "admin"
                            ? Message(ja: "'admin' は予約済みユーザー名です", en: "'admin' is reserved") : nil
                    }),
                FieldSchema("password", .string(StringRule())),
                FieldSchema("password_confirm", .string(StringRule())),
            ],
            check: { object in
                object["password"] == object["password_confirm"]
                    ? []
                    : [
                        ValidationIssue(
                            location: ["body"], type: "value_error",
                            message: Message(ja: "Value error, パスワードが一致しません", en: "Value error, passwords do not match"))
                    ]
            })
        let reserved = check(["username": "Admin", "password": "a", "password_confirm": "a"], .object(schema)).1
        #expect(reserved.map(\.type) == ["value_error"])
        #expect(reserved.first?.message.japanese == "Value error, 'admin' は予約済みユーザー名です")
        let mismatch = check(["username": "taro", "password": "a", "password_confirm": "b"], .object(schema)).1
        #expect(mismatch.first?.message.japanese == "Value error, パスワードが一致しません")
    }

    @Test func nullableFieldsAcceptNullOthersDoNot() {
        let schema = ObjectSchema(
            name: "M",
            fields: [
                FieldSchema("a", .string(StringRule()), required: false, nullable: true),
                FieldSchema("b", .integer(IntegerRule()), required: false),
            ])
        #expect(check(["a": nil], .object(schema)).1.isEmpty)
        #expect(check(["b": nil], .object(schema)).1.map(\.field) == ["body -> x -> b"])
    }

    @Test func listItemsAreLocatedByIndex() {
        let schema = Schema.array(ArrayRule(items: .string(StringRule(format: .email)), minItems: 1))
        #expect(check(["a@example.com", "nope"], schema).1.map(\.field) == ["body -> x -> 1"])
        #expect(check([], schema).1.map(\.type) == ["too_short"])
    }
}

struct QueryParametersTests {
    @Test func decodesPlusAndPercentAndKeepsOrder() {
        let query = QueryParameters(parsing: "a=1&b=x+y%21&a=2&empty=&flag")
        #expect(query["a"] == "1")
        #expect(query["b"] == "x y!")
        #expect(query["empty"] == "")
        #expect(query["flag"] == "")
        #expect(query.pairs.count == 5)
    }

    @Test func malformedEscapesStayLiteral() {
        #expect(QueryParameters(parsing: "q=100%&r=%zz")["q"] == "100%")
        #expect(QueryParameters(parsing: "r=%zz")["r"] == "%zz")
    }
}

struct MessageLanguageTests {
    @Test func englishOnlyWhenPreferred() {
        #expect(MessageLanguage(acceptLanguage: nil) == .japanese)
        #expect(MessageLanguage(acceptLanguage: "en") == .english)
        #expect(MessageLanguage(acceptLanguage: "en-US,en;q=0.9") == .english)
        #expect(MessageLanguage(acceptLanguage: "ja,en;q=0.8") == .japanese)
        #expect(MessageLanguage(acceptLanguage: "fr") == .japanese)
        #expect(MessageLanguage(acceptLanguage: "ja;q=0.5, en;q=0.9") == .english)
    }
}
