import AppCore
import CryptoSupport
import Glibc
import Handlers
import Postgres

/// `FCGIApp user create|grant`: accounts from the command line, such as the first admin.
/// The password is read from standard input so it never shows in `ps` or shell history.
enum UserCommand {
    static func run(action: String, options: CommandLineOptions, settings: SettingsReader) -> Int32 {
        do {
            let conninfo = try DatabaseURL.libpqConnectionString(
                settings.string("DATABASE_URL", default: "postgresql+asyncpg://user:pass@localhost/mydb"))
            let connection = try PGConnection(conninfo: conninfo)
            guard let email = options.email else {
                Console.fail("user \(action) needs --email")
                return 64
            }
            switch action {
            case "create":
                guard let username = options.username else {
                    Console.fail("user create needs --username")
                    return 64
                }
                guard let password = readLine(strippingNewline: true), password.utf8.count >= 8 else {
                    Console.fail("user create reads the password (8 characters or more) from the first line of standard input")
                    return 64
                }
                let cost = try settings.int("BCRYPT_COST", default: 12, range: 4...31)
                let id = try AccountAdministration.createUser(
                    connection: connection, username: username, email: email, password: password,
                    fullName: options.fullName, admin: options.admin, hasher: PasswordHasher(cost: cost))
                Console.out("created user \(id) (\(username))\(options.admin ? " as admin" : "")")
            default:
                guard !options.permissions.isEmpty else {
                    Console.fail("user grant needs one or more PERMISSION names")
                    return 64
                }
                try AccountAdministration.grant(options.permissions, toEmail: email, connection: connection)
                Console.out("granted \(options.permissions.joined(separator: ", ")) to \(email)")
            }
            return 0
        } catch let error as HTTPError {
            Console.fail("user \(action): \(error.message.english)")
            return 1
        } catch let error as ValidationError {
            Console.fail("user \(action): " + error.issues.map { "\($0.field): \($0.message.english)" }.joined(separator: "; "))
            return 1
        } catch {
            Console.fail("user \(action): \(error)")
            return 1
        }
    }
}
