import JSON
// The JSON Schemas of the document, in the forms that generated clients read. Measured with
// swift-openapi-generator 1.14.3 (OpenAPIKit 6.4) and openapi-python-client 0.29:
//
// - Nullable values are OpenAPI 3.1 type arrays, the value's type first (`["string", "null"]`):
//   OpenAPIKit takes the first entry as the type and the `null` entry as "optional". Pydantic's
//   `anyOf: [{…}, {"type": "null"}]` is skipped by swift-openapi-generator ("Schema "null" is not
//   supported"), which then drops the property. (An `anyOf` of real shapes, such as the two
//   views of a user, is fine.)
// - A nullable object is a `$ref` to a component that itself admits null
//   (`"type": ["object", "null"]`): the generator follows nullability through references (its
//   "Handling nullable schemas" article), while `anyOf`/`oneOf` with a null branch are refused
//   and a `type` beside a `$ref` would not let null through the referenced `type: object`.
// - What the server sends stays open to new keys: a response schema with
//   `additionalProperties: false` makes a generated decoder throw on any key added later.
//   Request bodies say `additionalProperties: false` where the validator refuses unknown keys.

extension OpenAPIDocument {
    /// Where a schema is used, which decides what it may say.
    enum SchemaUse {
        /// A JSON request body or a parameter: what the router validates, nulls and all.
        case request
        /// A urlencoded form body: its fields are text or absent, a form cannot send null.
        case form
        /// What the server sends: always open to keys added later.
        case response
    }
}

extension OpenAPIDocument.Builder {
    /// The JSON Schema of a value; objects become `$ref`s to components.
    mutating func schema(_ schema: Schema, use: OpenAPIDocument.SchemaUse) -> JSONObject {
        switch schema {
        case .integer(let rule):
            var object: JSONObject = ["type": "integer"]
            if let minimum = rule.minimum { object["minimum"] = .int(minimum) }
            if let maximum = rule.maximum { object["maximum"] = .int(maximum) }
            if let minimum = rule.exclusiveMinimum { object["exclusiveMinimum"] = .int(minimum) }
            return object
        case .string(let rule):
            var object: JSONObject = ["type": "string"]
            if let minimum = rule.minLength { object["minLength"] = .int(Int64(minimum)) }
            if let maximum = rule.maxLength { object["maxLength"] = .int(Int64(maximum)) }
            if let pattern = rule.pattern { object["pattern"] = .string(pattern) }
            if let format = rule.format?.rawValue ?? rule.documentedFormat { object["format"] = .string(format) }
            return object
        case .number:
            return ["type": "number"]
        case .boolean:
            return ["type": "boolean"]
        case .array(let rule):
            var object: JSONObject = ["type": "array", "items": .object(self.schema(rule.items, use: use))]
            if let minimum = rule.minItems { object["minItems"] = .int(Int64(minimum)) }
            if let maximum = rule.maxItems { object["maxItems"] = .int(Int64(maximum)) }
            return object
        case .object(let object):
            return reference(object, use: use).objectValue!
        case .anyOf(let schemas):
            return ["anyOf": .array(schemas.map { .object(self.schema($0, use: use)) })]
        }
    }

    /// Registers `object` under `components/schemas/<name>` and returns the `$ref` to it.
    /// - Parameter nullable: the component admits null as well (`"type": ["object", "null"]`).
    ///   One object used both as a nullable and as a plain value would need two components;
    ///   `problems` reports it as two different schemas under one name.
    mutating func reference(_ object: ObjectSchema, use: OpenAPIDocument.SchemaUse, nullable: Bool = false) -> JSONValue {
        let ref: JSONValue = ["$ref": .string("#/components/schemas/" + object.name)]
        guard !inProgress.contains(object.name) else { return ref }
        inProgress.insert(object.name)
        let body = JSONValue.object(objectSchema(object, use: use, nullable: nullable))
        inProgress.remove(object.name)
        if let existing = schemas[object.name] {
            if existing != body { problems.append("two different schemas are named \(object.name)") }
        } else {
            schemas[object.name] = body
        }
        return ref
    }

    mutating func objectSchema(_ object: ObjectSchema, use: OpenAPIDocument.SchemaUse, nullable: Bool = false) -> JSONObject {
        var properties = JSONObject()
        var required: [JSONValue] = []
        for field in object.fields {
            var field = field
            if use == .form { field.nullable = false }
            properties[field.name] = .object(property(field, use: use))
            if field.required { required.append(.string(field.name)) }
        }
        var result: JSONObject = ["properties": .object(properties), "type": nullable ? ["object", "null"] : "object"]
        if !required.isEmpty { result["required"] = .array(required) }
        if !object.allowsExtraFields && use != .response { result["additionalProperties"] = false }
        result["title"] = .string(object.name)
        if let description = object.description { result["description"] = .string(description) }
        if let example = object.example { result["examples"] = [example] }
        return result
    }

    mutating func property(_ field: FieldSchema, use: OpenAPIDocument.SchemaUse) -> JSONObject {
        var result: JSONObject
        if field.nullable, case .object(let object) = field.schema {
            result = reference(object, use: use, nullable: true).objectValue!
        } else {
            result = schema(field.schema, use: use)
            if field.nullable, let type = result["type"] {
                // The value's type first: OpenAPIKit reads the first entry as the type.
                result["type"] = [type, "null"]
            }
        }
        result["title"] = .string(OpenAPIDocument.title(field.name))
        if let description = field.description { result["description"] = .string(description) }
        if let defaultValue = field.defaultValue {
            result["default"] = defaultValue
        } else if field.nullable && !field.required {
            result["default"] = .null
        }
        if !field.examples.isEmpty { result["examples"] = .array(field.examples) }
        return result
    }
}
