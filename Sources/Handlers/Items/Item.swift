import AppCore
import JSON
import Postgres

/// An item as the API shows it: `id, title, description, price, owner_id, created_at`.
public struct Item: Sendable, Equatable {
    public var id: Int
    public var title: String
    public var description: String?
    public var price: Int
    public var ownerID: Int
    /// ISO 8601 with offset.
    public var createdAt: String

    /// The select list that `init(row:)` decodes, in order.
    static let columns = "id, title, description, price, owner_id, \(Timestamp.isoSQL("created_at"))"

    init(row: PGRow) throws {
        (id, title, description, price, ownerID, createdAt) =
            try row.decode((Int, String, String?, Int, Int, String).self)
    }

    public init(id: Int, title: String, description: String?, price: Int, ownerID: Int, createdAt: String) {
        self.id = id
        self.title = title
        self.description = description
        self.price = price
        self.ownerID = ownerID
        self.createdAt = createdAt
    }

    /// The item's JSON and its entity tag.
    var representation: (body: [UInt8], etag: String) {
        var json = JSONWriter()
        write(to: &json)
        return (json.bytes, EntityTag.of(json.bytes))
    }

    /// The object's keys, encoded once (this is written for every element of a page).
    private enum Keys {
        static let id = JSONKey("id")
        static let title = JSONKey("title")
        static let description = JSONKey("description")
        static let price = JSONKey("price")
        static let ownerId = JSONKey("owner_id")
        static let createdAt = JSONKey("created_at")
    }

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key(Keys.id)
        json.value(id)
        json.key(Keys.title)
        json.value(title)
        json.key(Keys.description)
        json.value(description)
        json.key(Keys.price)
        json.value(price)
        json.key(Keys.ownerId)
        json.value(ownerID)
        json.key(Keys.createdAt)
        json.value(createdAt)
        json.endObject()
    }
}
