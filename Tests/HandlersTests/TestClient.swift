import Glibc
import AppCore
import Handlers
import JSON
import Logging
import Postgres
import TestSupport

/// Sends requests through the real router and application to a migrated test database, the
/// way the FastCGI worker does, and decodes the answers.
final class TestClient {
    let application: Application<AppContext>
    let context: AppContext
    let conninfo: String

    struct Answer {
        let status: Int
        let headers: HTTPHeaders
        let body: JSONValue?
        /// Bytes of the body as sent (0 for 204/304).
        let bodyLength: Int

        /// `body["detail"]` as text.
        var detail: String? { body?.objectValue?["detail"]?.stringValue }
        var object: JSONObject? { body?.objectValue }
    }

    /// - Parameters:
    ///   - database: a conninfo of the test's own (`TestDatabase.makeMigratedDatabase()`), for
    ///     tests that count a whole table; default: the database the tests share.
    ///   - settings: more settings of the app (`SEARCH_TIMEOUT_MILLISECONDS`, …).
    init(
        secret: String = "test-secret-key", now: (@Sendable () -> Int64)? = nil, database: String? = nil,
        settings extra: [String: String] = [:]
    ) throws {
        conninfo = try database ?? TestDatabase.migrated()
        let settings = SettingsReader(
            environment: [
                "SECRET_KEY": secret, "DATABASE_URL": conninfo, "BCRYPT_COST": "4",
            ].merging(extra) { $1 })
        let configuration = try AppConfiguration(settings)
        let logger = Logger(label: "test")
        context = AppContext(
            configuration: configuration, database: Database(conninfo: configuration.databaseURL),
            logger: logger, now: now ?? { CryptoClock.now() })
        application = Application(router: Routes.makeRouter(), logger: logger, mapError: ErrorMapping.map)
    }

    func send(
        _ method: String, _ target: String, json: JSONValue? = nil, rawBody: String? = nil,
        form: [(String, String)]? = nil, token: String? = nil, headers extra: [(String, String)] = [],
        client: String = "127.0.0.1"
    ) throws -> Answer {
        let parts = target.split(separator: "?", maxSplits: 1)
        var headers = HTTPHeaders()
        var body: [UInt8] = []
        if let json {
            headers.add("content-type", "application/json")
            body = json.serialized()
        } else if let rawBody {
            headers.add("content-type", "application/json")
            body = Array(rawBody.utf8)
        } else if let form {
            headers.add("content-type", "application/x-www-form-urlencoded")
            body = Array(form.map { "\(Self.formEncode($0.0))=\(Self.formEncode($0.1))" }.joined(separator: "&").utf8)
        }
        if let token { headers.add("authorization", "Bearer \(token)") }
        for (name, value) in extra { headers.add(name.lowercased(), value) }
        let request = Request(
            method: method, path: String(parts[0]),
            query: QueryParameters(parsing: parts.count > 1 ? parts[1] : ""),
            rawQuery: parts.count > 1 ? String(parts[1]) : nil,
            headers: headers, body: body, remoteAddress: client, id: "test-request-id")
        let response = application.respond(to: request, context: context)
        let decoded = response.body.isEmpty ? nil : try JSONParser.parse(response.body)
        return Answer(status: response.status.code, headers: response.headers, body: decoded, bodyLength: response.body.count)
    }

    static func formEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
                out.append(Character(Unicode.Scalar(byte)))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" : "") + hex
            }
        }
        return out
    }

    // MARK: - Accounts

    /// A name no other test uses.
    static func uniqueName(_ prefix: String = "user") -> String {
        "\(prefix)\(UInt32.random(in: 0...UInt32.max))"
    }

    struct Account {
        let id: Int
        let username: String
        let email: String
        let password: String
        var accessToken: String
        var refreshToken: String
    }

    /// Registers and logs in a fresh account.
    func account(admin: Bool = false, password: String = "TestPass123!") throws -> Account {
        let username = Self.uniqueName()
        let email = "\(username)@example.com"
        let registered = try send(
            "POST", "/api/v1/auth/register",
            json: [
                "username": .string(username), "email": .string(email),
                "password": .string(password), "password_confirm": .string(password),
            ])
        guard registered.status == 201, let id = registered.object?["user_id"]?.intValue else {
            throw TestSetupError(description: "registration failed: \(registered.status) \(String(describing: registered.body))")
        }
        if admin {
            try PGConnection(conninfo: conninfo).query("UPDATE users SET is_admin = true WHERE id = \(Int(id))")
        }
        let tokens = try login(email: email, password: password)
        return Account(
            id: Int(id), username: username, email: email, password: password,
            accessToken: tokens.object!["access_token"]!.stringValue!,
            refreshToken: tokens.object!["refresh_token"]!.stringValue!)
    }

    func login(email: String, password: String) throws -> Answer {
        try send("POST", "/api/v1/auth/token", form: [("username", email), ("password", password)])
    }

    /// Runs SQL on the test database (for set-up that the API cannot do).
    @discardableResult
    func sql(_ query: PGQuery) throws -> PGResult {
        try PGConnection(conninfo: conninfo).query(query)
    }
}

/// Unix time for the handlers under test (tests that need another time pass their own clock).
enum CryptoClock {
    static func now() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec)
    }
}
