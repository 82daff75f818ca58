import Glibc

import Startup

// JobRunner: the job runner that cron starts (`run once`), or that runs in `--loop` mode in
// development; `status` prints counts by state.

let startup = Startup(program: "JobRunner")
let command: RunnerCommand
do {
    command = try RunnerCommand(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    startup.exit(StartupError(exitCode: 64, line: "\(error)\n\(RunnerCommand.usage)"))
}
if command.action == .help {
    startup.console.out(RunnerCommand.usage)
    exit(0)
}

let configuration = startup.configuration { try RunnerConfiguration($0) }
let logger = startup.logging(label: "jobrunner", level: configuration.logLevel, file: configuration.logFile)
// SIGUSR1 (logrotate) reopens LOG_FILE, and never ends a run (ignored without a log file).
LogFile.reopenOnSIGUSR1()
exit(command.execute(configuration: configuration, logger: logger))
