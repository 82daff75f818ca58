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
    public static let concurrentConflict = Message(
        ja: "同時に処理中のリクエストと競合しました。再試行してください", en: "The request conflicted with concurrent requests; retry it")
    public static let unsupportedMediaType = Message(
        ja: "Content-Type は application/json である必要があります",
        en: "Content-Type must be application/json")
}

// Accounts and tokens (the seed's texts; English ours).
extension Message {
    public static let registered = Message(ja: "登録完了", en: "Registered")
    public static let emailTaken = Message(
        ja: "このメールアドレスは既に登録されています", en: "This email address is already registered")
    public static let usernameTaken = Message(
        ja: "このユーザー名は既に使用されています", en: "This username is already taken")
    public static let loginFailed = Message(
        ja: "メールアドレスまたはパスワードが正しくありません", en: "Incorrect email or password")
    public static let notAuthenticated = Message("Not authenticated")
    public static let invalidCredentials = Message(ja: "認証情報が無効です", en: "Could not validate credentials")
    public static let inactiveAccount = Message(ja: "アカウントが無効です", en: "Inactive account")
    public static let adminRequired = Message(ja: "管理者権限が必要です", en: "Administrator privileges required")
    public static let invalidRefreshToken = Message(ja: "無効なリフレッシュトークン", en: "Invalid refresh token")
    public static let userNotFound = Message(ja: "ユーザーが見つかりません", en: "User not found")
    public static let passwordsDoNotMatch = Message(ja: "パスワードが一致しません", en: "Passwords do not match")
    public static func reservedUsername(_ name: String) -> Message {
        Message(ja: "'\(name)' は予約済みユーザー名です", en: "'\(name)' is a reserved username")
    }
    public static func missingPermissions(_ names: [String]) -> Message {
        Message(
            ja: "権限が不足しています: \(names.joined(separator: ", "))",
            en: "Missing permissions: \(names.joined(separator: ", "))")
    }
    public static let privateFieldsForbidden = Message(
        ja: "非公開情報は本人または管理者のみ閲覧できます", en: "Only the user or an administrator may see private fields")
    public static let notItemOwner = Message(
        ja: "このアイテムを変更する権限がありません", en: "Only the owner or an administrator may change this item")
    public static let preconditionFailed = Message(
        ja: "リソースが更新されています（If-Match が一致しません）", en: "The resource has changed (If-Match does not match)")
    public static let idempotencyKeyReused = Message(
        ja: "Idempotency-Key が別のリクエストで使用されています", en: "This Idempotency-Key was used with a different request")
}

// Request policies: rate limit (the seed's text), trusted hosts and CORS (Starlette's texts).
extension Message {
    public static let rateLimitExceeded = Message(ja: "レート制限に達しました", en: "Rate limit exceeded")
    public static let invalidHost = Message("Invalid host header")
    public static let preflightAccepted = Message("OK")
    /// Starlette's preflight refusal: `failures` among "origin", "method".
    public static func corsDisallowed(_ failures: [String]) -> Message {
        Message("Disallowed CORS \(failures.joined(separator: ", "))")
    }
}

// Time limits (the seed's `with_timeout` text; English ours).
extension Message {
    /// A request over its time limit, as the seed words it: `処理がタイムアウトしました（30秒）`.
    public static func requestTimedOut(seconds: Int) -> Message {
        Message(ja: "処理がタイムアウトしました（\(seconds)秒）", en: "Request timed out (\(seconds) s)")
    }
    /// A statement cancelled when the limit is not known (a server-side statement_timeout).
    public static let requestTimedOut = Message(ja: "処理がタイムアウトしました", en: "Request timed out")
    /// A search whose matches could not be counted within SEARCH_TIMEOUT_MILLISECONDS.
    public static let searchTooBroad = Message(
        ja: "検索に一致する件数が多すぎて時間内に数えられません。検索語を絞ってください",
        en: "The search matches too many rows to count in time; make it more specific")
}
