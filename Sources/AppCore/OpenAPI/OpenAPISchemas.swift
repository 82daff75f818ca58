/// The bodies AppCore itself answers with, as schemas for the OpenAPI document: the error
/// body of `HTTPError` and the 422 body of `ValidationError` (the contract's format).
public enum OpenAPISchemas {
    /// `{"detail": "..."}`.
    public static let httpError = ObjectSchema(
        name: "HTTPError",
        fields: [
            FieldSchema("detail", .string(StringRule(strip: false)), description: "エラーメッセージ")
        ], description: "エラー応答", example: ["detail": "Not Found"])

    /// One entry of `errors` in a 422 body.
    public static let validationErrorItem = ObjectSchema(
        name: "ValidationError",
        fields: [
            FieldSchema(
                "field", .string(StringRule(strip: false)),
                description: "場所（`body -> username` のように ` -> ` で連結）", examples: ["body -> username"]),
            FieldSchema("message", .string(StringRule(strip: false)), examples: ["String should have at least 1 character"]),
            FieldSchema(
                "type", .string(StringRule(strip: false)), description: "Pydantic のエラー種別",
                examples: ["string_too_short"]),
        ])

    /// `{"detail": "入力値が不正です", "errors": [{"field", "message", "type"}, …]}`.
    public static let httpValidationError = ObjectSchema(
        name: "HTTPValidationError",
        fields: [
            FieldSchema("detail", .string(StringRule(strip: false)), examples: ["入力値が不正です"]),
            // Absent from the few 422 answers that are not about the shape of the input
            // (an `Idempotency-Key` reused with another request).
            FieldSchema("errors", .array(ArrayRule(items: .object(validationErrorItem))), required: false),
        ], description: "入力値の検証エラー（すべての問題を列挙）",
        example: [
            "detail": "入力値が不正です",
            "errors": [["field": "body -> title", "message": "Field required", "type": "missing"]],
        ])
}
