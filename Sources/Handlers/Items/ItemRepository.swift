import Postgres

/// The SQL of items. Parameterised only; statements are prepared once per connection.
struct ItemRepository {
    let connection: PGConnection

    func find(id: Int) throws -> Item? {
        let rows = try connection.query("SELECT \(unescaped: Item.columns) FROM items WHERE id = \(id)")
        return try rows.first.map(Item.init(row:))
    }

    /// One page, newest first, and the total count of matching items. The count rides along
    /// with the page (`count(*) OVER ()`), so the common case is one round trip; a page past the
    /// end needs a second query for the total.
    func page(number: Int, size: Int, search: String?) throws -> (items: [Item], total: Int) {
        let pattern = search.map(Pagination.containsPattern)
        let offset = (number - 1) * size
        let rows = try connection.query("""
            SELECT \(unescaped: Item.columns), count(*) OVER () FROM items
            WHERE \(pattern)::text IS NULL OR title ILIKE \(pattern) OR description ILIKE \(pattern)
            ORDER BY created_at DESC, id DESC LIMIT \(size) OFFSET \(offset)
            """)
        if let first = rows.first {
            return (try rows.map(Item.init(row:)), try first.decode(6, as: Int.self))
        }
        let total = try connection.query("""
            SELECT count(*) FROM items
            WHERE \(pattern)::text IS NULL OR title ILIKE \(pattern) OR description ILIKE \(pattern)
            """)
        return ([], try total.first?.decode(0, as: Int.self) ?? 0)
    }
}
