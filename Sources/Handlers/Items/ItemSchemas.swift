import AppCore
import JSON

/// `POST /api/v1/items/`: the seed's `ItemCreate` (price defaults to 0).
struct ItemCreate: RequestBody {
    static let schema = ObjectSchema(
        name: "ItemCreate",
        fields: [
            FieldSchema("title", ItemCreate.title),
            FieldSchema("description", .string(StringRule()), required: false, nullable: true),
            FieldSchema("price", ItemCreate.price, required: false, defaultValue: 0),
        ])

    static let title = Schema.string(StringRule(minLength: 1, maxLength: 200))
    static let price = Schema.integer(IntegerRule(minimum: 0, maximum: Int64(Int32.max)))

    let title: String
    let description: String?
    let price: Int

    init(validated body: JSONObject) {
        title = body.text("title")
        description = body.optionalText("description")
        price = body.integer("price")
    }
}

/// `PATCH /api/v1/items/{item_id}`: any of the fields; a null title or price and unknown
/// fields are refused by the schema, so only the description can be set to null.
struct ItemUpdate: RequestBody {
    static let schema = ObjectSchema(
        name: "ItemUpdate",
        fields: [
            FieldSchema("title", ItemCreate.title, required: false),
            FieldSchema("description", .string(StringRule()), required: false, nullable: true),
            FieldSchema("price", ItemCreate.price, required: false),
        ], allowsExtraFields: false)

    let title: String?
    let description: Patch<String>
    let price: Int?

    init(validated body: JSONObject) {
        title = body.optionalText("title")
        description = body.patch("description") { $0.stringValue }
        price = body.optionalInteger("price")
    }
}
