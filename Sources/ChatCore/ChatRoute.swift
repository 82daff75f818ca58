import AppCore

/// What a WebSocket request asks for: `/ws/chat/{room_id}?token=<access token>&since=<id>`.
public struct ChatRoute: Sendable, Equatable {
    public var roomID: String
    /// The access token from the query; nil when absent (the connection then closes with 4001).
    public var token: String?
    /// Replay the room's messages with a greater id first.
    public var since: Int64?

    public init(roomID: String, token: String?, since: Int64?) {
        self.roomID = roomID
        self.token = token
        self.since = since
    }

    /// The path every chat URL starts with.
    public static let prefix = "/ws/chat/"

    /// Why a request target is not a chat room.
    public enum Problem: Error, Equatable {
        /// Not `/ws/chat/<one segment>`.
        case notFound
        /// The room id or a query parameter is invalid (answered as 422, like the REST API).
        case invalid([ValidationIssue])
    }

    /// Parses a request target (path and query, as sent: percent-encoded).
    public static func parse(target: String) -> Result<ChatRoute, Problem> {
        let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = PercentDecoding.decode(parts[0], plusIsSpace: false)
        guard path.hasPrefix(prefix) else { return .failure(.notFound) }
        let room = String(path.dropFirst(prefix.count))
        guard !room.isEmpty, !room.contains("/") else { return .failure(.notFound) }
        let query = parts.count > 1 ? QueryParameters(parsing: parts[1]) : QueryParameters()
        var issues: [ValidationIssue] = []
        if !RoomID.isValid(room) {
            let type = room.unicodeScalars.count > RoomID.maxLength ? "string_too_long" : "string_pattern_mismatch"
            let message =
                type == "string_too_long"
                ? Message("String should have at most \(RoomID.maxLength) characters")
                : Message("String should match pattern '\(RoomID.pattern)'")
            issues.append(ValidationIssue(location: ["path", "room_id"], type: type, message: message))
        }
        var since: Int64?
        if let text = query["since"] {
            if let value = Int64(text.trimmingASCIIWhitespace()), value >= 0 {
                since = value
            } else if Int64(text.trimmingASCIIWhitespace()) != nil {
                issues.append(
                    ValidationIssue(
                        location: ["query", "since"], type: "greater_than_equal",
                        message: Message("Input should be greater than or equal to 0")))
            } else {
                issues.append(
                    ValidationIssue(
                        location: ["query", "since"], type: "int_parsing",
                        message: Message("Input should be a valid integer, unable to parse string as an integer")))
            }
        }
        guard issues.isEmpty else { return .failure(.invalid(issues)) }
        let token = query["token"].flatMap { $0.isEmpty ? nil : $0 }
        return .success(ChatRoute(roomID: room, token: token, since: since))
    }
}
