import AppCore

/// Request bodies of `/api/v1/items`.
enum ItemSchemas {
    static let title = Schema.string(StringRule(minLength: 1, maxLength: 200))
    static let price = Schema.integer(IntegerRule(minimum: 0, maximum: Int64(Int32.max)))

    static let create = ObjectSchema(name: "ItemCreate", fields: [
        FieldSchema("title", title),
        FieldSchema("description", .string(StringRule()), required: false, nullable: true),
        FieldSchema("price", price, required: false, defaultValue: 0),
    ])

    /// Any of the fields; a null title or price and unknown fields are refused.
    static let update = ObjectSchema(name: "ItemUpdate", fields: [
        FieldSchema("title", title, required: false),
        FieldSchema("description", .string(StringRule()), required: false, nullable: true),
        FieldSchema("price", price, required: false),
    ], allowsExtraFields: false)
}
