/// A route path such as `/api/v1/items/{item_id}`: literal segments and named captures.
public struct PathPattern: Sendable, CustomStringConvertible {
    enum Segment: Sendable, Equatable {
        case literal(String)
        case capture(String)
    }

    let segments: [Segment]
    let trailingSlash: Bool
    public let description: String

    public init(_ pattern: String) {
        precondition(pattern.hasPrefix("/"), "route paths start with /")
        description = pattern
        trailingSlash = pattern.count > 1 && pattern.hasSuffix("/")
        segments = pattern.split(separator: "/").map { part in
            if part.hasPrefix("{"), part.hasSuffix("}") {
                return .capture(String(part.dropFirst().dropLast()))
            }
            return .literal(String(part))
        }
    }

    /// How many segments are fixed text (more means more specific).
    var literalCount: Int {
        segments.count { if case .literal = $0 { true } else { false } }
    }

    /// The names of the captures, in order.
    public var captureNames: [String] {
        segments.compactMap { if case .capture(let name) = $0 { name } else { nil } }
    }

    /// Matches split path segments; returns the captured values or nil.
    func match(_ parts: [Substring], trailingSlash: Bool) -> [(String, String)]? {
        guard parts.count == segments.count, trailingSlash == self.trailingSlash else { return nil }
        var captures: [(String, String)] = []
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let text):
                guard part == text else { return nil }
            case .capture(let name):
                guard !part.isEmpty else { return nil }
                captures.append((name, String(part)))
            }
        }
        return captures
    }
}
