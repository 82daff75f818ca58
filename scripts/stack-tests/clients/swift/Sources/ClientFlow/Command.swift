import Foundation
import OpenAPIRuntime

/// The programs' shared entry: `ClientCheck… BASE_URL`, with an admin's access token for the
/// campaign steps in CLIENT_ADMIN_TOKEN (optional). Exits 0 when every check
/// passed, 3 when one failed, 2 on bad usage.
public enum Command {
    public static func main(transportName: String, transport: any ClientTransport) async -> Int32 {
        let arguments = CommandLine.arguments
        guard arguments.count == 2, let url = URL(string: arguments[1]) else {
            FileHandle.standardError.write(Data("usage: \(arguments[0]) BASE_URL\n".utf8))
            return 2
        }
        let adminToken = ProcessInfo.processInfo.environment["CLIENT_ADMIN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        let report = Report(prefix: "swift client (\(transportName))")
        await ClientFlow(serverURL: url, transport: transport, report: report, adminToken: adminToken).run()
        return report.exitStatus
    }
}
