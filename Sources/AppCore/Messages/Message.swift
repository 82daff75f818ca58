/// A text shown to clients, in both languages the API speaks.
public struct Message: Sendable, Equatable {
    public let japanese: String
    public let english: String

    public init(ja japanese: String, en english: String) {
        self.japanese = japanese
        self.english = english
    }

    /// A text that reads the same in both languages (ids, Pydantic's English messages).
    public init(_ text: String) {
        self.japanese = text
        self.english = text
    }

    public func text(in language: MessageLanguage) -> String {
        language == .english ? english : japanese
    }
}

extension Message {
    public static let validationFailed = Message(ja: "入力値が不正です", en: "Invalid input")
    public static let internalError = Message(ja: "サーバー内部エラーが発生しました", en: "Internal server error")
    public static let notFound = Message("Not Found")
    public static let methodNotAllowed = Message("Method Not Allowed")
    public static let bodyTooLarge = Message(
        ja: "リクエストボディが大きすぎます", en: "Request body is too large")
    public static let databaseUnavailable = Message(
        ja: "データベースに接続できません", en: "The database is not available")
    public static let unsupportedMediaType = Message(
        ja: "Content-Type は application/json である必要があります",
        en: "Content-Type must be application/json")
}
