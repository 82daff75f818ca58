import JSON
/// A declared path, query or header parameter of an operation.
public struct Parameter: Sendable {
    public enum Location: String, Sendable {
        case path
        case query
        case header
    }

    public var name: String
    public var location: Location
    public var schema: Schema
    public var required: Bool
    /// Used when an optional parameter is absent.
    public var defaultValue: JSONValue?
    public var description: String?

    public init(
        _ name: String, in location: Location, _ schema: Schema, required: Bool = false,
        defaultValue: JSONValue? = nil, description: String? = nil
    ) {
        self.name = name
        self.location = location
        self.schema = schema
        self.required = required || location == .path
        self.defaultValue = defaultValue
        self.description = description
    }

    public static func path(_ name: String, _ schema: Schema, description: String? = nil) -> Parameter {
        Parameter(name, in: .path, schema, required: true, description: description)
    }

    public static func query(
        _ name: String, _ schema: Schema, default defaultValue: JSONValue? = nil,
        description: String? = nil
    ) -> Parameter {
        Parameter(name, in: .query, schema, defaultValue: defaultValue, description: description)
    }
}
