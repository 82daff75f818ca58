import AppCore
import CPrefork
import Glibc
import Jobs
import Logging

// JobRunner: the job runner that cron starts (`run once`), or that runs in `--loop` mode in
// development; `status` prints counts by state.

let command: RunnerCommand
do {
    command = try RunnerCommand(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    Console.fail("\(error)\n\(RunnerCommand.usage)")
    exit(64)
}
if command.action == .help {
    Console.out(RunnerCommand.usage)
    exit(0)
}

var environment: [String: String] = [:]
if var entry = CPrefork_environ() {
    while let pointer = entry.pointee {
        let text = String(cString: pointer)
        if let equals = text.firstIndex(of: "=") {
            environment[String(text[..<equals])] = String(text[text.index(after: equals)...])
        }
        entry += 1
    }
}

let configuration: RunnerConfiguration
do {
    let settings = SettingsReader(environment: environment, dotEnv: try DotEnv.load(path: environment["ENV_FILE"] ?? ".env"))
    configuration = try RunnerConfiguration(settings)
} catch {
    Console.fail("\(error)")
    exit(78)
}

if let logFile = configuration.logFile {
    guard CPrefork_log_open(logFile) == 0 else {
        Console.fail("cannot open LOG_FILE \(logFile): \(String(cString: strerror(errno)))")
        exit(73)
    }
}
// SIGUSR1 (logrotate) reopens LOG_FILE, and never ends a run (ignored without a log file).
_ = CPrefork_log_reopen_on_sigusr1()

let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
exit(command.execute(configuration: configuration, logger: Logger(label: "jobrunner")))
