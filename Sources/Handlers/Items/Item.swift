import AppCore
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

    func write(to json: inout JSONWriter) {
        json.beginObject()
        json.key("id")
        json.value(id)
        json.key("title")
        json.value(title)
        json.key("description")
        json.value(description)
        json.key("price")
        json.value(price)
        json.key("owner_id")
        json.value(ownerID)
        json.key("created_at")
        json.value(createdAt)
        json.endObject()
    }
}
