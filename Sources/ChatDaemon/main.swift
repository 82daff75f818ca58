import AppCore
import CPrefork
import ChatCore
import ChatServer
import Glibc
import Logging

// ChatDaemon: the WebSocket chat (`/ws/chat/{room_id}`), behind nginx's `/ws/` location.
//
//   ChatDaemon [--listen ADDRESS] [--pid-file PATH]
//              ADDRESS: 127.0.0.1:8081 (WS_LISTEN) or a unix socket path
//
// Settings come from the environment and `.env`, as for FCGIApp (see README, "WebSocket chat").
// SIGTERM or SIGINT stop it gracefully (close frame 1001 to every client); SIGUSR1 reopens
// LOG_FILE (after logrotate renamed it).

let usage = """
    usage: ChatDaemon [--listen HOST:PORT | --listen /path/to.sock] [--pid-file PATH]

    The WebSocket chat daemon. Settings: SECRET_KEY, DATABASE_URL, CORS_ORIGINS, LOG_LEVEL, LOG_FILE
    and WS_* (see README). SIGTERM/SIGINT: graceful stop. SIGUSR1: reopen LOG_FILE.
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
var pidFile: String?
while let argument = arguments.first {
    arguments.removeFirst()
    switch argument {
    case "--listen":
        guard let value = arguments.first else { fail("--listen needs an address\n\(usage)", code: 64) }
        listenOverride = value
        arguments.removeFirst()
    case "--pid-file":
        guard let value = arguments.first else { fail("--pid-file needs a path\n\(usage)", code: 64) }
        pidFile = value
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

if let logFile = configuration.app.logFile, CPrefork_log_open(logFile) != 0 {
    fail("cannot open LOG_FILE \(logFile): \(String(cString: strerror(errno)))", code: 73)
}
let level = Logger.Level(rawValue: configuration.app.logLevel) ?? .info
LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
let logger = Logger(label: "chatd")

// The stop and reopen signals are taken by sigwait below: blocked here, before any thread
// exists, so every thread inherits the mask and none of them is interrupted by them; the log
// is reopened on this thread, off the event loops.
signal(SIGPIPE, SIG_IGN)
var stopSignals = sigset_t()
sigemptyset(&stopSignals)
sigaddset(&stopSignals, SIGTERM)
sigaddset(&stopSignals, SIGINT)
sigaddset(&stopSignals, SIGUSR1)
pthread_sigmask(SIG_BLOCK, &stopSignals, nil)

let server = ChatServer(configuration: configuration, logger: logger)
do {
    try server.start()
} catch {
    fail("cannot listen on \(configuration.listen): \(error)", code: 69)
}

if let pidFile {
    // Written once listening: a reader (logrotate's postrotate, a script) finds a daemon that runs.
    let text = Array("\(getpid())\n".utf8)
    let fd = open(pidFile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0, write(fd, text, text.count) == text.count else { fail("cannot write pid file \(pidFile)", code: 73) }
    close(fd)
}

var received: Int32 = 0
while true {
    while sigwait(&stopSignals, &received) != 0 {}
    guard received == SIGUSR1 else { break }
    switch CPrefork_log_reopen() {
    case 0: logger.notice("Log file reopened")
    case 1: break  // no LOG_FILE: stderr, nothing to reopen
    default: logger.error("Cannot reopen the log file", metadata: ["error": "\(String(cString: strerror(errno)))"])
    }
}
if let pidFile { unlink(pidFile) }
logger.notice("Stop signal", metadata: ["signal": "\(received == SIGTERM ? "SIGTERM" : "SIGINT")"])
server.shutdown()
exit(0)
