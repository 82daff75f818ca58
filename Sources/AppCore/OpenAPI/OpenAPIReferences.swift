import JSON
/// Local `$ref`s (`#/components/schemas/ItemCreate`) of a JSON document and whether they resolve.
public enum OpenAPIReferences {
    /// Every `$ref` value in the document, in document order.
    public static func all(in document: JSONValue) -> [String] {
        var found: [String] = []
        collect(document, into: &found)
        return found
    }

    /// The `$ref`s that point nowhere in the document (or outside it).
    public static func dangling(in document: JSONValue) -> [String] {
        all(in: document).filter { resolve($0, in: document) == nil }
    }

    /// The value a local reference (`#/a/b`, with JSON Pointer's `~1` and `~0`) points at.
    public static func resolve(_ reference: String, in document: JSONValue) -> JSONValue? {
        guard reference.hasPrefix("#") else { return nil }
        var value: JSONValue? = document
        for token in reference.dropFirst().split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            let key = token.replacing("~1", with: "/").replacing("~0", with: "~")
            switch value {
            case .object(let object): value = object[String(key)]
            case .array(let array): value = Int(key).flatMap { array.indices.contains($0) ? array[$0] : nil }
            default: return nil
            }
        }
        return value
    }

    static func collect(_ value: JSONValue, into found: inout [String]) {
        switch value {
        case .object(let object):
            for (key, member) in object {
                if key == "$ref", let text = member.stringValue { found.append(text) } else { collect(member, into: &found) }
            }
        case .array(let elements):
            for element in elements { collect(element, into: &found) }
        default:
            break
        }
    }
}
