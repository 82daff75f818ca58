import AppCore
import ChatCore

import Glibc
import Logging
import Startup

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

let startup = Startup(program: "ChatDaemon")

func fail(_ line: String, code: Int32) -> Never {
    startup.exit(StartupError(exitCode: code, line: line))
}

let parser = CommandLineParser([.init([], options: ["--listen", "--pid-file"])], default: [])
let line: CommandLineParser.Line
do {
    line = try parser.parse(Array(CommandLine.arguments.dropFirst()))
} catch {
    fail("\(error)\n\(usage)", code: 64)
}
if line.command == ["help"] {
    startup.console.out(usage)
    exit(0)
}
let listenOverride = line.value("--listen")
let pidFile = line.value("--pid-file")

let configuration = startup.configuration(overrides: listenOverride.map { ["WS_LISTEN": $0] } ?? [:]) {
    try ChatConfiguration($0, processorCount: Startup.processorCount)
}
let logger = startup.logging(label: "chatd", level: configuration.app.logLevel, file: configuration.app.logFile)

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

// The daemon holds two PostgreSQL sessions (storing, LISTEN): it does not start when the server
// has no room for them (README, "Several hosts").
if let refusal = Startup.connectionBudgetRefusal(
    conninfo: configuration.app.databaseURL, need: 2, holder: "this chat daemon", reason: "one to store, one to LISTEN",
    logger: logger)
{
    fail(refusal, code: 78)
}

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
    switch LogFile.reopen() {
    case .reopened: logger.notice("Log file reopened")
    case .noFile: break  // stderr, nothing to reopen
    case .failed(let problem): logger.error("Cannot reopen the log file", metadata: ["error": "\(problem)"])
    }
}
if let pidFile { unlink(pidFile) }
logger.notice("Stop signal", metadata: ["signal": "\(received == SIGTERM ? "SIGTERM" : "SIGINT")"])
server.shutdown()
exit(0)
