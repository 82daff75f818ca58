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

    /// What `create(…, activeOwner:)` found.
    enum Creation {
        case created(Item)
        /// The owner does not exist (never did, or was deleted before the item could be written).
        case ownerMissing
        case ownerInactive
    }

    /// Creates an item for `ownerID` if that user exists and is active: the check and the insert
    /// are one statement, so one round trip and no transaction of its own. The insert's foreign
    /// key check holds the owner's row (`FOR KEY SHARE`) as `Authenticator.holdAccount` does: a
    /// deletion committed after the statement's snapshot is seen there and answered as a missing
    /// owner, not a foreign-key error; one that comes later waits, then removes the item with the
    /// account.
    func create(_ item: ItemCreate, activeOwner ownerID: Int) throws -> Creation {
        let rows: PGResult
        do {
            rows = try connection.query(
                """
                WITH owner AS (SELECT is_active FROM users WHERE id = \(ownerID)),
                created AS (
                    INSERT INTO items (title, description, price, owner_id, created_at)
                    SELECT \(item.title), \(item.description), \(item.price), \(ownerID), now() FROM owner WHERE is_active
                    RETURNING \(unescaped: Item.columns)
                )
                SELECT created.*, owner.is_active FROM owner LEFT JOIN created ON true
                """)
        } catch {
            guard error.isForeignKeyViolation else { throw error }
            return .ownerMissing
        }
        guard let row = rows.first else { return .ownerMissing }
        guard row[0] != nil else { return .ownerInactive }
        return .created(try Item(row: row))
    }

    /// Sets the fields the update names.
    func update(id: Int, _ changes: ItemUpdate) throws -> Item {
        let description = changes.description.change
        let rows = try connection.query(
            """
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

    /// The list's pages: newest first, exact totals, cost independent of the table's size.
    static let pages = NewestFirstPages(
        table: "items", storedColumns: "id, title, description, price, owner_id, created_at",
        outputColumns: Item.columns, searchColumns: ["title", "description"])

    /// One page (1-based `number`), newest first, and the total count of matching items;
    /// `search` matches title or description (case-insensitive substring, taken literally).
    func page(number: Int, size: Int, search: String?, searchTimeoutMilliseconds: Int) throws -> (items: [Item], total: Int) {
        let page = try Self.pages.page(
            offset: (number - 1) * size, size: size, search: search,
            timeoutMilliseconds: searchTimeoutMilliseconds, on: connection, decode: Item.init(row:))
        return (page.rows, page.total)
    }
}
