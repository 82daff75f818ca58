import AppCore

/// The texts of the chat: the seed's notices, and ours for errors (Japanese, English on request).
public enum ChatTexts {
    /// The seed's join notice.
    public static func joined(_ userID: String) -> String { "\(userID)が入室しました" }
    /// The seed's leave notice.
    public static func left(_ userID: String) -> String { "\(userID)が退室しました" }

    /// Close reason of 4001, as the seed.
    public static let authenticationFailed = "認証失敗"
    /// Close reason of 4003: the token is good but the account is inactive.
    public static let inactiveAccount = "アカウントが無効です"

    public static let originNotAllowed = Message(
        ja: "このオリジンからの接続は許可されていません", en: "Connections from this origin are not allowed")
    public static let upgradeRequired = Message(
        ja: "WebSocket での接続が必要です", en: "This URL needs a WebSocket connection")
    public static let tooManyConnections = Message(
        ja: "接続数の上限に達しました", en: "Too many connections")

    // Errors sent as {"type":"error","code","message"}; the connection stays open.
    public static let invalidJSON = Message(ja: "JSONの形式が不正です", en: "Malformed JSON")
    public static let notAnObject = Message(
        ja: "メッセージはJSONオブジェクトである必要があります", en: "A message must be a JSON object")
    public static let invalidContent = Message(
        ja: "content は文字列である必要があります", en: "content must be a string")
    public static let nulInContent = Message(
        ja: "content に U+0000 は使用できません", en: "content must not contain U+0000")
    public static let tooManyMessages = Message(
        ja: "メッセージの送信が速すぎます", en: "Messages are being sent too fast")
    public static let storageFailed = Message(
        ja: "メッセージを保存できませんでした", en: "The message could not be stored")
    public static func replayTruncated(_ limit: Int) -> Message {
        Message(
            ja: "未読メッセージが多すぎるため、最初の \(limit) 件だけを送りました",
            en: "Too many missed messages: only the first \(limit) were sent")
    }
}
