/// One problem found in a request, reported like Pydantic: where, what kind, and a message.
public struct ValidationIssue: Sendable, Equatable {
    /// The location path: `["body", "username"]`, `["query", "page"]`, `["body", "emails", "0"]`.
    public var location: [String]
    /// Pydantic's error type name (`missing`, `greater_than_equal`, …).
    public var type: String
    public var message: Message

    public init(location: [String], type: String, message: Message) {
        self.location = location
        self.type = type
        self.message = message
    }

    /// The location as the contract prints it: `body -> username`.
    public var field: String { location.joined(separator: " -> ") }
}

extension ValidationIssue {
    static func missing(_ location: [String]) -> ValidationIssue {
        ValidationIssue(location: location, type: "missing", message: Message("Field required"))
    }
}
