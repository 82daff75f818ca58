import Foundation
import OpenAPIRuntime

/// The programs' shared entry: `ClientCheck… BASE_URL`, with an admin account for the campaign
/// steps in CLIENT_ADMIN_EMAIL and CLIENT_ADMIN_PASSWORD (optional). Exits 0 when every check
/// passed, 3 when one failed, 2 on bad usage.
public enum Command {
    public static func main(transportName: String, transport: any ClientTransport) async -> Int32 {
        let arguments = CommandLine.arguments
        guard arguments.count == 2, let url = URL(string: arguments[1]) else {
            FileHandle.standardError.write(Data("usage: \(arguments[0]) BASE_URL\n".utf8))
            return 2
        }
        let environment = ProcessInfo.processInfo.environment
        var admin: (email: String, password: String)?
        if let email = environment["CLIENT_ADMIN_EMAIL"], let password = environment["CLIENT_ADMIN_PASSWORD"] {
            admin = (email, password)
        }
        let report = Report(prefix: "swift client (\(transportName))")
        await ClientFlow(serverURL: url, transport: transport, report: report, admin: admin).run()
        return report.exitStatus
    }
}
