import JSON
/// Validates values against a `Schema` the way Pydantic v2 does in lax mode, collecting every
/// issue instead of stopping at the first, and returning the normalised value (stripped strings,
/// integers from integral numbers or numeric strings, defaults filled in).
public enum SchemaValidator {
    /// Validates a decoded JSON value found at `location`.
    public static func validate(
        _ value: JSONValue, against schema: Schema, at location: [String],
        issues: inout [ValidationIssue]
    ) -> JSONValue {
        switch schema {
        case .integer(let rule):
            guard let number = integer(from: value, at: location, issues: &issues) else { return value }
            checkBounds(number, rule, at: location, issues: &issues)
            return .int(number)
        case .number:
            switch value {
            case .int, .double:
                return value
            case .string(let text):
                if let number = Double(text.trimmingASCIIWhitespace()), number.isFinite { return .double(number) }
            default:
                break
            }
            issues.append(
                ValidationIssue(
                    location: location, type: "float_type",
                    message: Message("Input should be a valid number")))
            return value
        case .string(let rule):
            guard case .string(let text) = value else {
                issues.append(
                    ValidationIssue(
                        location: location, type: "string_type",
                        message: Message("Input should be a valid string")))
                return value
            }
            return .string(validateString(text, rule, at: location, issues: &issues))
        case .boolean:
            guard let flag = boolean(from: value) else {
                issues.append(
                    ValidationIssue(
                        location: location, type: "bool_type",
                        message: Message("Input should be a valid boolean")))
                return value
            }
            return .bool(flag)
        case .array(let rule):
            return validateArray(value, rule, at: location, issues: &issues)
        case .object(let object):
            return validateObject(value, object, at: location, issues: &issues)
        case .anyOf(let schemas):
            return validateAnyOf(schemas) { validate(value, against: $0, at: location, issues: &$1) }
                ?? reportNoMatch(value, schemas, at: location, issues: &issues)
        }
    }

    /// The value as the first schema that accepts it validates it, or nil when none does.
    static func validateAnyOf(_ schemas: [Schema], _ attempt: (Schema, inout [ValidationIssue]) -> JSONValue) -> JSONValue? {
        for schema in schemas {
            var found: [ValidationIssue] = []
            let value = attempt(schema, &found)
            if found.isEmpty { return value }
        }
        return nil
    }

    /// No schema of an `anyOf` accepts the value: the first one's issues are reported.
    static func reportNoMatch(
        _ value: JSONValue, _ schemas: [Schema], at location: [String],
        issues: inout [ValidationIssue]
    ) -> JSONValue {
        guard let first = schemas.first else { return value }
        return validate(value, against: first, at: location, issues: &issues)
    }

    /// Validates a parameter that arrived as text (path, query, header).
    public static func validate(
        text: String, against schema: Schema, at location: [String],
        issues: inout [ValidationIssue]
    ) -> JSONValue {
        switch schema {
        case .integer(let rule):
            switch IntegerText.parse(text) {
            case .value(let number):
                checkBounds(number, rule, at: location, issues: &issues)
                return .int(number)
            case .tooLarge(let negative):
                // Python's int has no bound, so Pydantic reports the constraint, not the parse.
                reportOverflow(negative: negative, rule, at: location, issues: &issues)
                return .string(text)
            case .invalid:
                issues.append(intParsing(location))
                return .string(text)
            }
        case .number:
            guard let number = Double(text.trimmingASCIIWhitespace()), number.isFinite else {
                issues.append(
                    ValidationIssue(
                        location: location, type: "float_parsing",
                        message: Message(
                            "Input should be a valid number, unable to parse string as a number")))
                return .string(text)
            }
            return .double(number)
        case .boolean:
            guard let flag = boolean(from: .string(text)) else {
                issues.append(
                    ValidationIssue(
                        location: location, type: "bool_parsing",
                        message: Message(
                            "Input should be a valid boolean, unable to interpret input")))
                return .string(text)
            }
            return .bool(flag)
        case .string(let rule):
            return .string(validateString(text, rule, at: location, issues: &issues))
        case .array, .object, .anyOf:
            return validate(.string(text), against: schema, at: location, issues: &issues)
        }
    }

    // MARK: - Kinds

    static func integer(from value: JSONValue, at location: [String], issues: inout [ValidationIssue]) -> Int64? {
        switch value {
        case .int(let number):
            return number
        case .double(let number):
            if number.rounded() == number, let exact = Int64(exactly: number) { return exact }
            if number.rounded() != number {
                issues.append(
                    ValidationIssue(
                        location: location, type: "int_from_float",
                        message: Message(
                            "Input should be a valid integer, got a number with a fractional part")))
            } else {
                issues.append(intParsing(location))
            }
            return nil
        case .string(let text):
            if case .value(let number) = IntegerText.parse(text) { return number }
            issues.append(intParsing(location))
            return nil
        default:
            issues.append(
                ValidationIssue(
                    location: location, type: "int_type",
                    message: Message("Input should be a valid integer")))
            return nil
        }
    }

    static func boolean(from value: JSONValue) -> Bool? {
        switch value {
        case .bool(let flag): return flag
        case .int(0): return false
        case .int(1): return true
        case .string(let text):
            switch text.lowercased() {
            case "true", "1", "yes", "on", "t", "y": return true
            case "false", "0", "no", "off", "f", "n": return false
            default: return nil
            }
        default: return nil
        }
    }

    static func validateString(
        _ raw: String, _ rule: StringRule, at location: [String],
        issues: inout [ValidationIssue]
    ) -> String {
        let text = rule.strip ? raw.trimmingASCIIWhitespace() : raw
        // PostgreSQL text cannot hold U+0000: refuse it here rather than fail in the database.
        if text.utf8.contains(0) {
            issues.append(
                ValidationIssue(
                    location: location, type: "value_error",
                    message: Message(
                        "Value error, the NUL character (U+0000) is not allowed")))
            return text
        }
        let length = text.unicodeScalars.count
        if let minimum = rule.minLength, length < minimum {
            issues.append(
                ValidationIssue(
                    location: location, type: "string_too_short",
                    message: Message(
                        "String should have at least \(minimum) character\(minimum == 1 ? "" : "s")")))
            return text
        }
        if let maximum = rule.maxLength, length > maximum {
            issues.append(
                ValidationIssue(
                    location: location, type: "string_too_long",
                    message: Message(
                        "String should have at most \(maximum) character\(maximum == 1 ? "" : "s")")))
            return text
        }
        if let pattern = rule.pattern, !PatternMatcher.matches(text, pattern: pattern) {
            issues.append(
                ValidationIssue(
                    location: location, type: "string_pattern_mismatch",
                    message: Message("String should match pattern '\(pattern)'")))
            return text
        }
        if rule.format == .email {
            switch EmailAddress.validate(text) {
            case .success(let normalised):
                return normalised
            case .failure(let reason):
                issues.append(
                    ValidationIssue(
                        location: location, type: "value_error",
                        message: Message(
                            "value is not a valid email address: \(reason.message)")))
            }
        }
        return text
    }

    static func validateArray(
        _ value: JSONValue, _ rule: ArrayRule, at location: [String],
        issues: inout [ValidationIssue]
    ) -> JSONValue {
        guard case .array(let elements) = value else {
            issues.append(
                ValidationIssue(
                    location: location, type: "list_type",
                    message: Message("Input should be a valid list")))
            return value
        }
        if let minimum = rule.minItems, elements.count < minimum {
            issues.append(
                ValidationIssue(
                    location: location, type: "too_short",
                    message: Message(
                        "List should have at least \(minimum) item\(minimum == 1 ? "" : "s") after validation, not \(elements.count)"
                    )))
            return value
        }
        if let maximum = rule.maxItems, elements.count > maximum {
            issues.append(
                ValidationIssue(
                    location: location, type: "too_long",
                    message: Message(
                        "List should have at most \(maximum) item\(maximum == 1 ? "" : "s") after validation, not \(elements.count)"
                    )))
            return value
        }
        var result: [JSONValue] = []
        result.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            result.append(validate(element, against: rule.items, at: location + [String(index)], issues: &issues))
        }
        return .array(result)
    }

    static func validateObject(
        _ value: JSONValue, _ schema: ObjectSchema, at location: [String],
        issues: inout [ValidationIssue]
    ) -> JSONValue {
        guard case .object(let input) = value else {
            issues.append(
                ValidationIssue(
                    location: location, type: "model_attributes_type",
                    message: Message(
                        "Input should be a valid dictionary or object to extract fields from")))
            return value
        }
        let issuesBefore = issues.count
        var output = JSONObject()
        for field in schema.fields {
            let fieldLocation = location + [field.name]
            guard let fieldValue = input[field.name] else {
                if field.required {
                    issues.append(.missing(fieldLocation))
                } else if let defaultValue = field.defaultValue {
                    output[field.name] = defaultValue
                }
                continue
            }
            if fieldValue == .null, field.nullable {
                output[field.name] = .null
                continue
            }
            let fieldIssues = issues.count
            let normalised = validate(fieldValue, against: field.schema, at: fieldLocation, issues: &issues)
            if issues.count == fieldIssues {
                runFieldValidator(field, on: normalised, at: fieldLocation, issues: &issues)
            }
            output[field.name] = normalised
        }
        if !schema.allowsExtraFields {
            let known = Set(schema.fields.map(\.name))
            for key in input.keys where !known.contains(key) {
                issues.append(
                    ValidationIssue(
                        location: location + [key], type: "extra_forbidden",
                        message: Message("Extra inputs are not permitted")))
            }
        }
        if issues.count == issuesBefore, let check = schema.check {
            issues.append(contentsOf: check(output))
        }
        return .object(output)
    }

    // MARK: - Helpers

    /// A field's own validator (`field_validator`), run once its type and constraints passed;
    /// its message becomes a `value_error` like Pydantic's `ValueError`.
    static func runFieldValidator(
        _ field: FieldSchema, on value: JSONValue, at location: [String],
        issues: inout [ValidationIssue]
    ) {
        guard let check = field.validate, let problem = check(value) else { return }
        issues.append(
            ValidationIssue(
                location: location, type: "value_error",
                message: Message(
                    ja: "Value error, " + problem.japanese, en: "Value error, " + problem.english)))
    }

    static func checkBounds(
        _ number: Int64, _ rule: IntegerRule, at location: [String],
        issues: inout [ValidationIssue]
    ) {
        if let minimum = rule.exclusiveMinimum, number <= minimum {
            issues.append(
                ValidationIssue(
                    location: location, type: "greater_than",
                    message: Message("Input should be greater than \(minimum)")))
        } else if let minimum = rule.minimum, number < minimum {
            issues.append(
                ValidationIssue(
                    location: location, type: "greater_than_equal",
                    message: Message("Input should be greater than or equal to \(minimum)")))
        } else if let maximum = rule.maximum, number > maximum {
            issues.append(
                ValidationIssue(
                    location: location, type: "less_than_equal",
                    message: Message("Input should be less than or equal to \(maximum)")))
        }
    }

    static func reportOverflow(
        negative: Bool, _ rule: IntegerRule, at location: [String],
        issues: inout [ValidationIssue]
    ) {
        if negative, rule.exclusiveMinimum != nil || rule.minimum != nil {
            checkBounds(Int64.min, rule, at: location, issues: &issues)
        } else if !negative, let maximum = rule.maximum, maximum < Int64.max {
            checkBounds(Int64.max, rule, at: location, issues: &issues)
        } else if !negative, rule.maximum != nil {
            // The bound is Int64.max itself: the value is above it.
            issues.append(
                ValidationIssue(
                    location: location, type: "less_than_equal",
                    message: Message("Input should be less than or equal to \(Int64.max)")))
        } else {
            issues.append(intParsing(location))
        }
    }

    static func intParsing(_ location: [String]) -> ValidationIssue {
        ValidationIssue(
            location: location, type: "int_parsing",
            message: Message(
                "Input should be a valid integer, unable to parse string as an integer"))
    }
}

/// Parses integers written as text the way Python's `int()` accepts them in Pydantic:
/// optional surrounding white space, an optional sign, decimal digits (underscores between
/// digits are allowed by Python but not by Pydantic's str parsing, so they are rejected).
enum IntegerText {
    enum Outcome: Equatable {
        case value(Int64)
        case tooLarge(negative: Bool)
        case invalid
    }

    static func parse(_ raw: String) -> Outcome {
        let text = raw.trimmingASCIIWhitespace()
        var digits = Substring(text)
        var negative = false
        if let sign = digits.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            digits = digits.dropFirst()
        }
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return .invalid
        }
        guard let magnitude = Int64(negative ? "-" + digits : String(digits)) else {
            return .tooLarge(negative: negative)
        }
        return .value(magnitude)
    }
}
