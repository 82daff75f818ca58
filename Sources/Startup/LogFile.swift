import CProcess
import Glibc

/// `LOG_FILE`, the file every executable of ours logs its JSON lines to (else stderr): opened
/// once at start-up onto fd 2, and opened anew on SIGUSR1 after logrotate renamed it. The C side
/// (`CProcessLogFile.h`) swaps the descriptor atomically, so no line is split or lost.
public enum LogFile {
    /// Opens `path` for appending onto fd 2; the path is remembered for reopening.
    public static func open(_ path: String) throws(StartupError) {
        guard CProcess_log_open(path) == 0 else {
            throw StartupError(exitCode: 73, line: "cannot open LOG_FILE \(path): \(String(cString: strerror(errno)))")
        }
    }

    public enum Reopened: Equatable {
        case reopened
        /// No `LOG_FILE`: lines go to stderr, nothing to reopen.
        case noFile
        case failed(String)
    }

    /// Opens the file anew (after a rotation); async-signal-safe on the C side.
    public static func reopen() -> Reopened {
        switch CProcess_log_reopen() {
        case 0: .reopened
        case 1: .noFile
        default: .failed(String(cString: strerror(errno)))
        }
    }

    /// Makes SIGUSR1 reopen the file inside its handler (for processes without a loop of their
    /// own to do it: workers, the job runner); without a log file, SIGUSR1 is ignored, so that
    /// it never ends the process.
    public static func reopenOnSIGUSR1() {
        _ = CProcess_log_reopen_on_sigusr1()
    }
}
