import AppCore
import Glibc
import Logging

/// The one start-up path of FCGIApp, ChatDaemon and JobRunner: the environment and `.env`
/// (`ENV_FILE`) become settings, `LOG_FILE` is opened, logging is bootstrapped with JSON lines.
/// A failure is one line on stderr and the exit status that says what kind it is.
///
/// ```swift
/// let startup = Startup(program: "JobRunner")
/// let configuration = startup.configuration { try RunnerConfiguration($0) }
/// let logger = startup.logging(label: "jobrunner", level: configuration.logLevel, file: configuration.logFile)
/// ```
public struct Startup: Sendable {
    /// Plain lines for a person at the terminal, prefixed with the program's name.
    public let console: TerminalOutput

    public init(program: String) {
        console = TerminalOutput(program: program)
    }

    /// The settings from the environment and `.env` (or `ENV_FILE`); `overrides` (command-line
    /// options) win over both. Exits 78 when the file cannot be read.
    public func settings(overrides: [String: String] = [:]) -> SettingsReader {
        var environment = ProcessEnvironment.current()
        for (name, value) in overrides { environment[name] = value }
        do {
            return SettingsReader(environment: environment, dotEnv: try DotEnv.load(path: environment["ENV_FILE"] ?? ".env"))
        } catch {
            exit(StartupError(exitCode: 78, line: "\(error)"))
        }
    }

    /// A configuration read from `settings` (or the environment's, with `overrides`); exits 78
    /// with its one line when a value is missing or invalid.
    public func configuration<Configuration>(
        from settings: SettingsReader? = nil, overrides: [String: String] = [:],
        _ read: (SettingsReader) throws -> Configuration
    ) -> Configuration {
        let settings = settings ?? self.settings(overrides: overrides)
        do {
            return try read(settings)
        } catch {
            exit(StartupError(exitCode: 78, line: "\(error)"))
        }
    }

    /// Opens `LOG_FILE` (exit 73 when it cannot), bootstraps JSON log lines at `level`, and
    /// returns the program's logger. SIGUSR1 handling is the program's: `LogFile.reopen()` from
    /// its loop, or `LogFile.reopenOnSIGUSR1()`.
    public func logging(label: String, level: String, file: String?) -> Logger {
        if let file {
            do {
                try LogFile.open(file)
            } catch {
                exit(error)
            }
        }
        let level = Logger.Level(rawValue: level) ?? .info
        LoggingSystem.bootstrap { label in JSONLogHandler(label: label, level: level) }
        return Logger(label: label)
    }

    /// The line on stderr, then the error's exit status.
    public func exit(_ error: StartupError) -> Never {
        console.fail(error.line)
        Glibc.exit(error.exitCode)
    }

    /// The number of processors online (the default sizes of pools and event loops).
    public static var processorCount: Int { Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))) }
}
