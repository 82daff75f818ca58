import AppCore

/// Request header fields the handlers read themselves (conditional requests, idempotency),
/// declared as optional header parameters so that the OpenAPI document shows them. Their
/// schemas have no constraints: the router passes them through unchanged and the handlers
/// check them as before (`EntityTag`, `Idempotency`).
enum HeaderParameters {
    static let idempotencyKey = Parameter(
        "idempotency_key", in: .header, .string(StringRule(strip: false)),
        description: "同じキーの再送は最初の応答を返し、何も作り直さない（1〜255 文字の ASCII）")
    static let ifNoneMatch = Parameter(
        "if_none_match", in: .header, .string(StringRule(strip: false)),
        description: "ETag が一致すれば 304 Not Modified")
    static let ifMatch = Parameter(
        "if_match", in: .header, .string(StringRule(strip: false)),
        description: "現在の ETag と一致しなければ 412 Precondition Failed")
}
