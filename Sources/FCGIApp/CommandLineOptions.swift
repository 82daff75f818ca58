import Startup

/// The command line: `FCGIApp [serve] [options]`, `check`, `migrate up|down|status`, `user
/// create|grant` (read by Startup's `CommandLineParser`, as every executable's is).
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

    static let parser = CommandLineParser(
        [
            .init(["serve"], options: ["--listen", "--workers", "--socket-mode", "--pid-file"]),
            .init(["check"]),
            .init(["migrate", "up"], options: ["--dir"]),
            .init(["migrate", "down"], options: ["--dir", "--steps"]),
            .init(["migrate", "status"], options: ["--dir"]),
            .init(["user", "create"], options: ["--email", "--username", "--full-name"], flags: ["--admin"]),
            .init(["user", "grant"], options: ["--email"], takesArguments: true),
        ], default: ["serve"])

    init(arguments: [String]) throws(CommandLineParser.UsageError) {
        let line = try Self.parser.parse(arguments)
        switch line.command {
        case ["help"]: command = .help
        case ["serve"]: command = .serve
        case ["check"]: command = .check
        case let words where words.first == "migrate": command = .migrate(words[1])
        case let words: command = .user(words[1])
        }
        listen = line.value("--listen")
        workers = try line.int("--workers", in: 1...512)
        socketMode = line.value("--socket-mode")
        pidFile = line.value("--pid-file")
        migrationsDirectory = line.value("--dir") ?? migrationsDirectory
        steps = try line.int("--steps", in: 1...Int.max) ?? steps
        email = line.value("--email")
        username = line.value("--username")
        fullName = line.value("--full-name")
        admin = line.has("--admin")
        permissions = line.arguments
    }
}
