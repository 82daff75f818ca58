/// A JSON object: string keys mapped to values, kept in insertion (document) order.
///
/// Lookups are linear for small objects and go through a key index once the object grows
/// past `indexThreshold` members. Equality and hashing ignore member order, as JSON does:
/// `{"a":1,"b":2}` equals `{"b":2,"a":1}`; compare `keys` when the order matters.
///
/// Keys are compared by their Unicode scalars, as JSON and Python compare them, not by Swift's
/// canonical equivalence: `"é"` (U+00E9) and `"é"` (e, U+0301) are two keys.
public struct JSONObject: Sendable, Equatable, Hashable, ExpressibleByDictionaryLiteral, Sequence {
    public typealias Element = (key: String, value: JSONValue)

    /// Objects with more members than this keep a key → position index.
    static let indexThreshold = 12

    private var pairs: [Element]
    private var index: [ScalarKey: Int]?

    /// A key compared and hashed by its UTF-8 bytes (that is, by its Unicode scalars).
    struct ScalarKey: Hashable {
        let text: String

        static func == (a: ScalarKey, b: ScalarKey) -> Bool { a.text.utf8.elementsEqual(b.text.utf8) }

        func hash(into hasher: inout Hasher) {
            for byte in text.utf8 { hasher.combine(byte) }
        }
    }

    /// Whether two keys are the same key (the same Unicode scalars).
    static func sameKey(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) }

    /// An object with the given members in order. A repeated key keeps its first position and
    /// takes its last value.
    public init(_ pairs: [(String, JSONValue)] = []) {
        self.pairs = []
        self.index = nil
        self.pairs.reserveCapacity(pairs.count)
        for (key, value) in pairs { set(key, value) }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }

    /// The keys in order.
    public var keys: [String] { pairs.map(\.key) }

    /// The values in key order.
    public var values: [JSONValue] { pairs.map(\.value) }

    public var count: Int { pairs.count }
    public var isEmpty: Bool { pairs.isEmpty }

    /// The value of `key`. Setting `nil` removes the member; setting a new key appends it;
    /// setting an existing key replaces its value in place.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let i = position(of: key) else { return nil }
            return pairs[i].value
        }
        set {
            if let newValue {
                set(key, newValue)
            } else {
                removeValue(forKey: key)
            }
        }
    }

    public func contains(key: String) -> Bool { position(of: key) != nil }

    /// Removes `key` and returns its value, if it was present.
    @discardableResult
    public mutating func removeValue(forKey key: String) -> JSONValue? {
        guard let i = position(of: key) else { return nil }
        let old = pairs.remove(at: i).value
        rebuildIndex()
        return old
    }

    public func makeIterator() -> IndexingIterator<[Element]> {
        pairs.makeIterator()
    }

    public var underestimatedCount: Int { pairs.count }

    // MARK: - Internals

    func position(of key: String) -> Int? {
        if let index { return index[ScalarKey(text: key)] }
        for i in pairs.indices where Self.sameKey(pairs[i].key, key) { return i }
        return nil
    }

    mutating func reserveCapacity(_ n: Int) {
        pairs.reserveCapacity(n)
    }

    /// Sets `key`: replaces the value in place when present, appends otherwise.
    mutating func set(_ key: String, _ value: JSONValue) {
        if let i = position(of: key) {
            pairs[i].value = value
            return
        }
        pairs.append((key, value))
        if index != nil {
            index![ScalarKey(text: key)] = pairs.count - 1
        } else if pairs.count > Self.indexThreshold {
            rebuildIndex()
        }
    }

    private mutating func rebuildIndex() {
        guard pairs.count > Self.indexThreshold else {
            index = nil
            return
        }
        var newIndex = [ScalarKey: Int](minimumCapacity: pairs.count)
        for (i, pair) in pairs.enumerated() { newIndex[ScalarKey(text: pair.key)] = i }
        index = newIndex
    }

    // MARK: - Equatable, Hashable (order-insensitive)

    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.pairs.count == rhs.pairs.count else { return false }
        // Fast path: same key order.
        var sameOrder = true
        for i in lhs.pairs.indices where !sameKey(lhs.pairs[i].key, rhs.pairs[i].key) {
            sameOrder = false
            break
        }
        if sameOrder {
            for i in lhs.pairs.indices where lhs.pairs[i].value != rhs.pairs[i].value { return false }
            return true
        }
        for pair in lhs.pairs {
            guard let other = rhs[pair.key], other == pair.value else { return false }
        }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(pairs.count)
        // Member hashes are summed so that the order does not matter.
        var sum = 0
        for pair in pairs {
            var h = Hasher()
            h.combine(ScalarKey(text: pair.key))
            h.combine(pair.value)
            sum = sum &+ h.finalize()
        }
        hasher.combine(sum)
    }
}
