import JSON
/// The shape and constraints of a value: used to validate parameters and JSON bodies, and
/// to describe them in the OpenAPI document (`OpenAPIDocument`), so both come from one declaration.
public indirect enum Schema: Sendable {
    case integer(IntegerRule)
    /// Any JSON number (Pydantic's `float`).
    case number
    case string(StringRule)
    case boolean
    case array(ArrayRule)
    case object(ObjectSchema)
    /// A value of any of these schemas, the first that fits (JSON Schema's `anyOf`): for answers
    /// that come in more than one shape (a user's public view, or the whole user).
    case anyOf([Schema])
}

/// Bounds of an integer (inclusive unless named otherwise).
public struct IntegerRule: Sendable {
    public var minimum: Int64?
    public var maximum: Int64?
    public var exclusiveMinimum: Int64?

    public init(minimum: Int64? = nil, maximum: Int64? = nil, exclusiveMinimum: Int64? = nil) {
        self.minimum = minimum
        self.maximum = maximum
        self.exclusiveMinimum = exclusiveMinimum
    }

    /// Ids of `integer` columns: 1 ... 2³¹−1.
    public static let databaseID = IntegerRule(minimum: 1, maximum: Int64(Int32.max))
}

/// Well-known string formats.
public enum StringFormat: String, Sendable {
    case email
}

/// Length, pattern and format of a string. Surrounding white space is stripped first
/// (the seed's `str_strip_whitespace=True`) unless `strip` is false.
public struct StringRule: Sendable {
    public var minLength: Int?
    public var maxLength: Int?
    public var pattern: String?
    public var format: StringFormat?
    public var strip: Bool
    /// A `format` shown in the OpenAPI document only, never checked (`date-time` of the
    /// timestamps the server writes in its responses).
    public var documentedFormat: String?

    public init(
        minLength: Int? = nil, maxLength: Int? = nil, pattern: String? = nil,
        format: StringFormat? = nil, strip: Bool = true, documentedFormat: String? = nil
    ) {
        self.minLength = minLength
        self.maxLength = maxLength
        self.pattern = pattern
        self.format = format
        self.strip = strip
        self.documentedFormat = documentedFormat
    }
}

/// A list of values of one schema.
public struct ArrayRule: Sendable {
    public var items: Schema
    public var minItems: Int?
    public var maxItems: Int?

    public init(items: Schema, minItems: Int? = nil, maxItems: Int? = nil) {
        self.items = items
        self.minItems = minItems
        self.maxItems = maxItems
    }
}

/// A JSON object with named fields (a Pydantic model).
public struct ObjectSchema: Sendable {
    /// The component name in the OpenAPI document (`ItemCreate`).
    public var name: String
    public var fields: [FieldSchema]
    /// `extra="forbid"` when false: unknown keys are `extra_forbidden`.
    public var allowsExtraFields: Bool
    /// Checks across fields (`model_validator(mode="after")`), run when every field is valid.
    public var check: (@Sendable (JSONObject) -> [ValidationIssue])?
    /// Documentation only: the schema's description and an example instance.
    public var description: String?
    public var example: JSONValue?

    public init(
        name: String, fields: [FieldSchema], allowsExtraFields: Bool = true,
        description: String? = nil, example: JSONValue? = nil,
        check: (@Sendable (JSONObject) -> [ValidationIssue])? = nil
    ) {
        self.name = name
        self.fields = fields
        self.allowsExtraFields = allowsExtraFields
        self.description = description
        self.example = example
        self.check = check
    }
}

/// One field of an object schema.
public struct FieldSchema: Sendable {
    public var name: String
    public var schema: Schema
    public var required: Bool
    /// Whether JSON `null` is accepted (`str | None`).
    public var nullable: Bool
    /// Filled in when the field is absent (not when it is null).
    public var defaultValue: JSONValue?
    public var description: String?
    /// Documentation only: example values shown in the OpenAPI document.
    public var examples: [JSONValue]
    /// A field validator (`field_validator`): returns a message for `value_error`.
    public var validate: (@Sendable (JSONValue) -> Message?)?

    public init(
        _ name: String, _ schema: Schema, required: Bool = true, nullable: Bool = false,
        defaultValue: JSONValue? = nil, description: String? = nil, examples: [JSONValue] = [],
        validate: (@Sendable (JSONValue) -> Message?)? = nil
    ) {
        self.name = name
        self.schema = schema
        self.required = required
        self.nullable = nullable
        self.defaultValue = defaultValue
        self.description = description
        self.examples = examples
        self.validate = validate
    }
}
