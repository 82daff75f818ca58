import AppCore
@testable import Jobs
import Mail
import Startup
import Testing

/// The runner's command line and settings.
struct RunnerCommandTests {
    @Test func commands() throws {
        #expect(try RunnerCommand(arguments: ["run"]).action == .runOnce)
        #expect(try RunnerCommand(arguments: ["run", "once"]).action == .runOnce)
        #expect(try RunnerCommand(arguments: ["run", "--loop"]).action == .runLoop)
        #expect(try RunnerCommand(arguments: ["status"]).action == .status)
        let options = try RunnerCommand(arguments: ["run", "once", "--lock-file", "/tmp/x.lock", "--batch", "5"])
        #expect(options.lockFile == "/tmp/x.lock" && options.batchSize == 5)
        for bad in [[], ["walk"], ["run", "--batch", "0"], ["run", "--lock-file"], ["status", "--loop"], ["run", "--what"]] {
            #expect(throws: CommandLineParser.UsageError.self, "\(bad)") { try RunnerCommand(arguments: bad) }
        }
    }

    @Test func defaults() throws {
        let configuration = try RunnerConfiguration(SettingsReader(environment: ["DATABASE_URL": "postgresql://u@h/db"]))
        #expect(configuration.mailURL == .maildir("./.data/mail"))
        #expect(configuration.mailFrom == "noreply@example.com")
        #expect(configuration.timeoutSeconds == 300)
        #expect(configuration.retryPolicy == .init(delaySeconds: 60, backoff: 1, maxDelaySeconds: 3600))
        #expect(configuration.lockFile.hasPrefix("/tmp/jobrunner-") && configuration.lockFile.hasSuffix(".lock"))
        let other = try RunnerConfiguration(SettingsReader(environment: ["DATABASE_URL": "postgresql://u@h/other"]))
        #expect(other.lockFile != configuration.lockFile)
    }

    @Test func badValuesNameTheirVariable() {
        let cases: [(String, String)] = [
            ("MAIL_URL", "ftp://x"), ("MAIL_FROM", "nobody"), ("JOB_TIMEOUT_SECONDS", "1"),
            ("JOB_RETRY_BACKOFF", "x"), ("JOB_BATCH_SIZE", "0"), ("LOG_LEVEL", "loud"),
        ]
        for (name, value) in cases {
            do {
                _ = try RunnerConfiguration(SettingsReader(environment: [name: value]))
                Issue.record("\(name)=\(value) accepted")
            } catch {
                #expect(error.variable == name)
                #expect(!error.description.contains("\n"))
            }
        }
    }
}
