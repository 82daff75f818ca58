import JSON

/// A request body as a typed value, built once from the object the router validated against
/// `schema`: field names, defaults and the conversions from JSON live here, beside the schema,
/// and handlers work with the value.
///
/// ```swift
/// struct ItemCreate: RequestBody {
///     static let schema = ObjectSchema(name: "ItemCreate", fields: [...])
///     let title: String
///     init(validated body: JSONObject) { title = body.text("title") }
/// }
/// let item = input.body(ItemCreate.self)
/// ```
public protocol RequestBody: Sendable {
    /// The schema the operation declares (`Operation(body: ItemCreate.schema)`).
    static var schema: ObjectSchema { get }
    /// The value of a body that passed `schema`: every required field is there, with its type.
    init(validated body: JSONObject)
}

/// A field of a partial update (`PATCH`): left as it is, or set (to a value, or to null).
public enum Patch<Value: Sendable & Equatable>: Sendable, Equatable {
    case unchanged
    case set(Value?)

    /// As an SQL statement takes it: whether to set the column, and to what.
    public var change: (isSet: Bool, value: Value?) {
        switch self {
        case .unchanged: (false, nil)
        case .set(let value): (true, value)
        }
    }
}

extension JSONObject {
    /// A required text field of a validated body.
    public func text(_ name: String) -> String {
        guard case .string(let text)? = self[name] else { preconditionFailure("\(name): not validated as text") }
        return text
    }

    /// An optional text field (absent or null: nil).
    public func optionalText(_ name: String) -> String? {
        self[name]?.stringValue
    }

    /// A required integer field of a validated body.
    public func integer(_ name: String) -> Int {
        guard case .int(let number)? = self[name] else { preconditionFailure("\(name): not validated as an integer") }
        return Int(number)
    }

    /// An optional integer field (absent or null: nil).
    public func optionalInteger(_ name: String) -> Int? {
        self[name]?.intValue.map { Int($0) }
    }

    /// A required boolean field of a validated body.
    public func flag(_ name: String) -> Bool {
        guard case .bool(let flag)? = self[name] else { preconditionFailure("\(name): not validated as a boolean") }
        return flag
    }

    /// A list of text of a validated body.
    public func texts(_ name: String) -> [String] {
        self[name]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// A field of a partial update: absent → `.unchanged`, null → `.set(nil)`, else the value.
    public func patch<Value>(_ name: String, _ convert: (JSONValue) -> Value?) -> Patch<Value> {
        guard let value = self[name] else { return .unchanged }
        return .set(value.isNull ? nil : convert(value))
    }
}
