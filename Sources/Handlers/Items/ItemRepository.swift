import AppCore
import Postgres

/// The SQL of items. Parameterised only; statements are prepared once per connection.
struct ItemRepository {
    let connection: PGConnection

    func find(id: Int) throws -> Item? {
        let rows = try connection.query("SELECT \(unescaped: Item.columns) FROM items WHERE id = \(id)")
        return try rows.first.map(Item.init(row:))
    }

    /// The item, locked until the transaction ends (for a checked update or delete).
    func lock(id: Int) throws -> Item? {
        let rows = try connection.query("SELECT \(unescaped: Item.columns) FROM items WHERE id = \(id) FOR UPDATE")
        return try rows.first.map(Item.init(row:))
    }

    func create(_ item: ItemCreate, ownerID: Int) throws -> Item {
        let rows = try connection.query("""
            INSERT INTO items (title, description, price, owner_id, created_at)
            VALUES (\(item.title), \(item.description), \(item.price), \(ownerID), now())
            RETURNING \(unescaped: Item.columns)
            """)
        return try Item(row: rows[0])
    }

    /// Sets the fields the update names.
    func update(id: Int, _ changes: ItemUpdate) throws -> Item {
        let description = changes.description.change
        let rows = try connection.query("""
            UPDATE items SET
              title = COALESCE(\(changes.title), title),
              description = CASE WHEN \(description.isSet) THEN \(description.value) ELSE description END,
              price = COALESCE(\(changes.price)::integer, price)
            WHERE id = \(id)
            RETURNING \(unescaped: Item.columns)
            """)
        return try Item(row: rows[0])
    }

    func delete(id: Int) throws {
        try connection.query("DELETE FROM items WHERE id = \(id)")
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
