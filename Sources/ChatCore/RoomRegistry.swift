/// Who is in which room, on one event loop: room id → members by key. Rooms without members are
/// removed, so the registry holds only what is in use.
public struct RoomRegistry<Key: Hashable, Member> {
    private var rooms: [String: [Key: Member]] = [:]
    public private(set) var memberCount = 0

    public init() {}

    /// Adds (or replaces) `member` under `key` in `room`.
    public mutating func join(_ room: String, key: Key, member: Member) {
        if rooms[room, default: [:]].updateValue(member, forKey: key) == nil {
            memberCount += 1
        }
    }

    /// Removes `key` from `room`; returns whether it was there.
    @discardableResult
    public mutating func leave(_ room: String, key: Key) -> Bool {
        guard var members = rooms[room], members.removeValue(forKey: key) != nil else { return false }
        memberCount -= 1
        rooms[room] = members.isEmpty ? nil : members
        return true
    }

    /// The members of `room` with their keys (empty for an unknown room).
    public func members(of room: String) -> [Key: Member] {
        rooms[room] ?? [:]
    }

    /// Number of rooms with at least one member.
    public var roomCount: Int { rooms.count }

    /// Every member of every room.
    public var allMembers: [Member] { rooms.values.flatMap { $0.values } }
}
