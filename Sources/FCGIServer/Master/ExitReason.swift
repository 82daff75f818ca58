import CPrefork

/// Why a child process ended, decoded from a `waitpid` status.
public enum ExitReason: Sendable, Equatable, CustomStringConvertible {
    case exited(code: Int32)
    case signaled(signal: Int32, coreDumped: Bool)

    public init(waitStatus status: Int32) {
        if CPrefork_wifsignaled(status) != 0 {
            self = .signaled(signal: CPrefork_wtermsig(status), coreDumped: CPrefork_wcoredump(status) != 0)
        } else {
            self = .exited(code: CPrefork_wexitstatus(status))
        }
    }

    public var description: String {
        switch self {
        case .exited(let code):
            return "exited with code \(code)"
        case .signaled(let signal, let core):
            return "killed by signal \(signal) (\(Self.signalName(signal)))" + (core ? ", core dumped" : "")
        }
    }

    static func signalName(_ signal: Int32) -> String {
        switch signal {
        case 1: "SIGHUP"
        case 2: "SIGINT"
        case 3: "SIGQUIT"
        case 6: "SIGABRT"
        case 4: "SIGILL"
        case 5: "SIGTRAP"
        case 7: "SIGBUS"
        case 8: "SIGFPE"
        case 9: "SIGKILL"
        case 11: "SIGSEGV"
        case 13: "SIGPIPE"
        case 15: "SIGTERM"
        default: "signal \(signal)"
        }
    }
}
