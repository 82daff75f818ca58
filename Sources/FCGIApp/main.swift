import AppCore
import FCGIServer
import Glibc
import JobQueue
import Logging
import Startup

// FCGIApp: the REST API's FastCGI process manager (`serve`) and its schema tool (`migrate`).

let startup = Startup(program: "FCGIApp")
let options: CommandLineOptions
do {
    options = try CommandLineOptions(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    startup.exit(StartupError(exitCode: 64, line: "\(error)\n\(CommandLineOptions.usage)"))
}
let settings = startup.settings()

switch options.command {
case .help:
    Console.out(CommandLineOptions.usage)
    exit(0)
case .migrate(let action):
    exit(MigrateCommand.run(action: action, options: options, settings: settings))
case .user(let action):
    exit(UserCommand.run(action: action, options: options, settings: settings))
case .check:
    // What systemd's ExecStartPre and a reload run first (as `nginx -t`, `php-fpm -t`): the
    // settings load as `serve` loads them, or the one line saying why not, exit 78.
    do {
        let configuration = try AppConfiguration(settings, releaseVersion: Release.version)
        let pool = try PoolConfiguration(settings, processorCount: Startup.processorCount)
        _ = try EnqueueSettings(settings)
        Console.out("configuration ok (\(configuration.appName) \(configuration.appVersion), \(pool.workers) workers)")
        exit(0)
    } catch {
        Console.fail("\(error)")
        exit(78)
    }
case .serve:
    let configuration = startup.configuration(from: settings) { try AppConfiguration($0, releaseVersion: Release.version) }
    let pool = startup.configuration(from: settings) { try PoolConfiguration($0, processorCount: Startup.processorCount) }
    let jobs = startup.configuration(from: settings) { try EnqueueSettings($0) }
    // The master and every worker log to LOG_FILE (spawn-fcgi discards stderr otherwise); the
    // master reopens it on SIGUSR1 and its workers follow.
    let logger = startup.logging(label: "fcgiapp", level: configuration.logLevel, file: configuration.logFile)
    exit(ServeCommand.run(options, configuration: configuration, pool: pool, jobs: jobs, logger: logger))
}
