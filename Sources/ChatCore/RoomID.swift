import AppCore

/// What a room id may be, in the daemon's `/ws/chat/{room_id}` and the REST history route alike:
/// 1 to 64 characters of `A-Z a-z 0-9 _ -`. Safe in URLs, logs and NOTIFY payloads as they are,
/// and no dot segments that nginx would fold away.
public enum RoomID {
    public static let maxLength = 64
    public static let pattern = "^[A-Za-z0-9_-]{1,64}$"
    /// The rule as the router and the OpenAPI document use it.
    public static let rule = StringRule(minLength: 1, maxLength: maxLength, pattern: pattern, strip: false)

    /// True when `text` is a valid room id.
    public static func isValid(_ text: String) -> Bool {
        let utf8 = text.utf8
        guard !utf8.isEmpty, utf8.count <= maxLength else { return false }
        return utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                return true
            default:
                return false
            }
        }
    }
}
