/// The command line: `FCGIApp [serve] [options]` or `FCGIApp migrate up|down|status [--dir DIR]`.
/// Parsed by hand: swift-argument-parser would pull Foundation into every worker.
struct CommandLineOptions: Equatable {
    enum Command: Equatable {
        case serve
        case check
        case migrate(String)
        case user(String)
        case help
    }

    var command: Command = .serve
    var listen: String?
    var workers: Int?
    var socketMode: String?
    var pidFile: String?
    var migrationsDirectory = "migrations"
    var steps = 1
    var email: String?
    var username: String?
    var fullName: String?
    var admin = false
    var permissions: [String] = []

    static let usage = """
        usage: FCGIApp [serve] [--listen ADDRESS] [--workers N] [--socket-mode MODE] [--pid-file PATH]
               FCGIApp check
               FCGIApp migrate up|down|status [--dir DIRECTORY] [--steps N]
               FCGIApp user create --email EMAIL --username NAME [--full-name NAME] [--admin]
               FCGIApp user grant --email EMAIL PERMISSION...

          serve     start the master and its pool of FastCGI workers (the default). Without
                    --listen or FCGI_LISTEN, a listening socket on fd 0 (spawn-fcgi) is used.
                    ADDRESS is a unix socket path or HOST:PORT (127.0.0.1:9000, [::1]:9000).
          check     load the settings as serve would and exit (0: fine, 78: the line says why).
          migrate   apply (up), revert the newest (down) or list (status) schema migrations.
          user      create an account (the first admin: --admin), its password read from the
                    first line of standard input; or grant named permissions (articles:write).

        Settings come from the environment and ./.env (see README.md).
        """

    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    init(arguments: [String]) throws(UsageError) {
        var rest = arguments[...]
        if let first = rest.first, !first.hasPrefix("-") {
            rest = rest.dropFirst()
            switch first {
            case "serve":
                command = .serve
            case "check":
                command = .check
            case "migrate":
                guard let action = rest.first, ["up", "down", "status"].contains(action) else {
                    throw UsageError(description: "migrate needs one of: up, down, status")
                }
                rest = rest.dropFirst()
                command = .migrate(action)
            case "user":
                guard let action = rest.first, ["create", "grant"].contains(action) else {
                    throw UsageError(description: "user needs one of: create, grant")
                }
                rest = rest.dropFirst()
                command = .user(action)
            case "help":
                command = .help
            default:
                throw UsageError(description: "unknown command '\(first)'")
            }
        }
        while let option = rest.popFirst() {
            func value() throws(UsageError) -> String {
                guard let next = rest.popFirst() else { throw UsageError(description: "\(option) needs a value") }
                return next
            }
            switch option {
            case "--listen": listen = try value()
            case "--workers":
                let text = try value()
                guard let count = Int(text), (1...512).contains(count) else {
                    throw UsageError(description: "--workers must be between 1 and 512")
                }
                workers = count
            case "--socket-mode": socketMode = try value()
            case "--pid-file": pidFile = try value()
            case "--dir": migrationsDirectory = try value()
            case "--steps":
                guard let count = Int(try value()), count >= 1 else { throw UsageError(description: "--steps must be at least 1") }
                steps = count
            case "--email": email = try value()
            case "--username": username = try value()
            case "--full-name": fullName = try value()
            case "--admin": admin = true
            case "-h", "--help": command = .help
            default:
                guard case .user("grant") = command, !option.hasPrefix("-") else {
                    throw UsageError(description: "unknown option '\(option)'")
                }
                permissions.append(option)
            }
        }
    }
}
