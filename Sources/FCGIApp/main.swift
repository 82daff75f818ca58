import AppCore
import CPrefork
import FCGIServer
import Glibc
import Logging

// FCGIApp: the REST API's FastCGI process manager (`serve`) and its schema tool (`migrate`).

let options: CommandLineOptions
do {
    options = try CommandLineOptions(arguments: Array(CommandLine.arguments.dropFirst()))
} catch {
    Console.fail("\(error)\n\(CommandLineOptions.usage)")
    exit(64)
}

let environment = ProcessEnvironment.current()
let settings: SettingsReader
do {
    settings = SettingsReader(environment: environment, dotEnv: try DotEnv.load(path: environment["ENV_FILE"] ?? ".env"))
} catch {
    Console.fail("\(error)")
    exit(78)
}

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
        let configuration = try AppConfiguration(settings, processorCount: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))),
                                                 releaseVersion: Release.version)
        Console.out("configuration ok (\(configuration.appName) \(configuration.appVersion), \(configuration.workers) workers)")
        exit(0)
    } catch {
        Console.fail("\(error)")
        exit(78)
    }
case .serve:
    let configuration: AppConfiguration
    do {
        configuration = try AppConfiguration(settings, processorCount: Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))),
                                             releaseVersion: Release.version)
    } catch {
        Console.fail("\(error)")
        exit(78)
    }
    if let logFile = configuration.logFile {
        // The master and every worker log to this file (spawn-fcgi discards stderr otherwise);
        // SIGUSR1 reopens it after a rotation.
        guard CPrefork_log_open(logFile) == 0 else {
            Console.fail("cannot open LOG_FILE \(logFile): \(String(cString: strerror(errno)))")
            exit(73)
        }
    }
    let level = Logger.Level(rawValue: configuration.logLevel) ?? .info
    LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
    exit(ServeCommand.run(options, configuration: configuration, logger: Logger(label: "fcgiapp")))
}
