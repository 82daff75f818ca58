import AppCore
import ChatCore
import ChatServer
import Glibc
import Logging

// ChatDaemon: the WebSocket chat (`/ws/chat/{room_id}`), behind nginx's `/ws/` location.
//
//   ChatDaemon [--listen ADDRESS]     ADDRESS: 127.0.0.1:8081 (WS_LISTEN) or a unix socket path
//
// Settings come from the environment and `.env`, as for FCGIApp (see README, "WebSocket chat").
// SIGTERM or SIGINT stop it gracefully (close frame 1001 to every client).

let usage = """
    usage: ChatDaemon [--listen HOST:PORT | --listen /path/to.sock]

    The WebSocket chat daemon. Settings: SECRET_KEY, DATABASE_URL, CORS_ORIGINS, LOG_LEVEL, LOG_FILE
    and WS_* (see README). SIGTERM/SIGINT: graceful stop.
    """

func fail(_ line: String, code: Int32) -> Never {
    var text = Array((line + "\n").utf8)
    _ = write(2, &text, text.count)
    exit(code)
}

func environment() -> [String: String] {
    var values: [String: String] = [:]
    var pointer = environ
    while let entry = pointer.pointee {
        let text = String(cString: entry)
        if let equals = text.firstIndex(of: "=") {
            values[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        pointer += 1
    }
    return values
}

var arguments = Array(CommandLine.arguments.dropFirst())
var listenOverride: String?
while let argument = arguments.first {
    arguments.removeFirst()
    switch argument {
    case "--listen":
        guard let value = arguments.first else { fail("--listen needs an address\n\(usage)", code: 64) }
        listenOverride = value
        arguments.removeFirst()
    case "-h", "--help":
        print(usage)
        exit(0)
    default:
        fail("unknown argument \(argument)\n\(usage)", code: 64)
    }
}

var env = environment()
if let listenOverride { env["WS_LISTEN"] = listenOverride }
let configuration: ChatConfiguration
do {
    let settings = SettingsReader(environment: env, dotEnv: try DotEnv.load(path: env["ENV_FILE"] ?? ".env"))
    configuration = try ChatConfiguration(settings, processorCount: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
} catch {
    fail("\(error)", code: 78)
}

if let logFile = configuration.app.logFile {
    let fd = open(logFile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
    guard fd >= 0 else { fail("cannot open LOG_FILE \(logFile)", code: 73) }
    dup2(fd, 2)
    close(fd)
}
let level = Logger.Level(rawValue: configuration.app.logLevel) ?? .info
LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
let logger = Logger(label: "chatd")

// The stop signals are taken by sigwait below: blocked here, before any thread exists, so
// every thread inherits the mask and none of them is interrupted by them.
signal(SIGPIPE, SIG_IGN)
var stopSignals = sigset_t()
sigemptyset(&stopSignals)
sigaddset(&stopSignals, SIGTERM)
sigaddset(&stopSignals, SIGINT)
pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

let server = ChatServer(configuration: configuration, logger: logger)
do {
    try server.start()
} catch {
    fail("cannot listen on \(configuration.listen): \(error)", code: 69)
}

var received: Int32 = 0
while sigwait(&stopSignals, &received) != 0 {}
logger.notice("Stop signal", metadata: ["signal": "\(received == SIGTERM ? "SIGTERM" : "SIGINT")"])
server.shutdown()
exit(0)
