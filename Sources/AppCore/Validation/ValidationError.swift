/// Every problem of one request, answered as 422 in the contract's format.
public struct ValidationError: Error, Sendable {
    public var issues: [ValidationIssue]

    public init(_ issues: [ValidationIssue]) {
        self.issues = issues
    }

    /// `{"detail": "入力値が不正です", "errors": [{"field", "message", "type"}, …]}`.
    public func response(language: MessageLanguage) -> Response {
        Response.json(.unprocessableContent) { json in
            json.beginObject()
            json.key("detail")
            json.value(Message.validationFailed.text(in: language))
            json.key("errors")
            json.beginArray()
            for issue in issues {
                json.beginObject()
                json.key("field")
                json.value(issue.field)
                json.key("message")
                json.value(issue.message.text(in: language))
                json.key("type")
                json.value(issue.type)
                json.endObject()
            }
            json.endArray()
            json.endObject()
        }
    }
}
