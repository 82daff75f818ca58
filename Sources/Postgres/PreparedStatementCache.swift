/// Maps SQL text to the name of the server-side prepared statement for one session.
struct PreparedStatementCache {
    /// Beyond this many statements new SQL uses the unnamed statement, so dynamic SQL cannot grow the session without bound.
    static let capacity = 512

    private var names: [String: String] = [:]
    private var counter = 0

    /// The cached statement name for `sql`, if it was prepared in this session.
    func name(for sql: String) -> String? {
        names[sql]
    }

    /// A fresh name for `sql` (`s1`, `s2`, ...), or `""` (the unnamed statement) when the cache is full.
    mutating func reserveName() -> String {
        guard names.count < Self.capacity else { return "" }
        counter += 1
        return "s\(counter)"
    }

    /// Remembers that `sql` is prepared as `name`; the unnamed statement is never cached.
    mutating func store(_ name: String, for sql: String) {
        guard !name.isEmpty else { return }
        names[sql] = name
    }

    /// Forgets `sql`, returning the name it had.
    @discardableResult
    mutating func remove(_ sql: String) -> String? {
        names.removeValue(forKey: sql)
    }

    /// Forgets everything, e.g. after the session died.
    mutating func removeAll() {
        names.removeAll()
    }
}
