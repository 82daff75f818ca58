import CPrefork
import Glibc
import Startup

/// Re-executing the master on reload, as php-fpm does: the master replaces its own image with
/// the binary now on disk (`execv` of the path it was started from), keeping its pid (so
/// systemd's `MAINPID` and the pid file stay right), its listening socket and its workers.
///
/// What crosses the exec, in two environment variables read (and removed) by the new image:
/// - `FCGIAPP_LISTEN_FD`: the listening socket's descriptor, left open (php-fpm passes
///   `FPM_SOCKETS` the same way). The socket never closes, so no connection is refused: the
///   kernel queues new ones in its backlog, and the old workers go on accepting them until the
///   new image has forked its own.
/// - `FCGIAPP_RETIRING_WORKERS`: the old workers' pids. They stay children of the same pid, so
///   the new image reaps them; it sends them SIGQUIT once its own workers run, and each
///   finishes the request in hand.
///
/// A new binary that cannot run must not take the pool down: before the exec, the master runs
/// `<binary> check` (the configuration is loaded as `serve` would) and re-executes only when it
/// exits 0. Otherwise, and when `execv` itself fails, it logs why and reloads in place: a new
/// generation of workers from the running image. A binary that passes the check but dies later
/// in start-up ends the pool; systemd's `Restart=on-failure` then starts it again.
public struct Reexecution: Sendable {
    static let listenVariable = "FCGIAPP_LISTEN_FD"
    static let retiringVariable = "FCGIAPP_RETIRING_WORKERS"

    /// The binary to execute: the path this process was started from (read at start, before an
    /// upgrade can replace the file), and its arguments.
    public let executable: String
    public let arguments: [String]
    let listenFileDescriptor: Int32

    /// The re-execution of this process, or nil when its path cannot be found.
    public init?(arguments: [String], socket: ListenSocket) {
        guard let path = Self.executablePath() else { return nil }
        self.executable = path
        self.arguments = arguments
        self.listenFileDescriptor = socket.fileDescriptor
    }

    /// /proc/self/exe names the file this image came from; " (deleted)" once it was replaced.
    static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard length > 0 else { return nil }
        let path = String(decoding: buffer[..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let deleted = " (deleted)"
        return path.hasSuffix(deleted) ? String(path.dropLast(deleted.count)) : path
    }

    /// Runs `<binary> check` and waits for it: nil when it exited 0, else why not.
    func checkNewBinary() -> String? {
        guard access(executable, X_OK) == 0 else { return "\(executable) is not executable: \(String(cString: strerror(errno)))" }
        let pid = fork()
        if pid < 0 { return "fork: \(String(cString: strerror(errno)))" }
        if pid == 0 {
            // Quiet: the new image's own start-up logs what matters. stdout to /dev/null.
            let null = open("/dev/null", O_WRONLY)
            if null >= 0 { dup2(null, 1) }
            SignalPipe.block(false)
            let words: [String] = [executable, "check"]
            let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
            execv(executable, argv)
            _exit(127)
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return "waitpid: \(String(cString: strerror(errno)))" }
        }
        let reason = ExitReason(waitStatus: status)
        return reason == .exited(code: 0) ? nil : "\(executable) check ended: \(reason)"
    }

    /// Replaces this image; returns only when `execv` failed (with the reason).
    func execute(retiring workers: [Int32]) -> String {
        setenv(Self.listenVariable, String(listenFileDescriptor), 1)
        setenv(Self.retiringVariable, workers.map(String.init).joined(separator: ","), 1)
        let flags = fcntl(listenFileDescriptor, F_GETFD)
        _ = fcntl(listenFileDescriptor, F_SETFD, flags & ~FD_CLOEXEC)
        // The socket is handed over blocking, as it was bound: this version's workers make it
        // non-blocking (and cope with either), an older image's workers expect a blocking accept.
        _ = CPrefork_set_nonblocking(listenFileDescriptor, 0)
        // Blocked across the exec (the mask survives it): the new image unblocks them once its
        // handlers are installed, so a signal in between is held, not lost or fatal.
        SignalPipe.block(true)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        execv(executable, argv)
        let problem = "execv \(executable): \(String(cString: strerror(errno)))"
        for pointer in argv { free(pointer) }
        SignalPipe.block(false)
        _ = fcntl(listenFileDescriptor, F_SETFD, flags)
        _ = CPrefork_set_nonblocking(listenFileDescriptor, 1)
        unsetenv(Self.listenVariable)
        unsetenv(Self.retiringVariable)
        return problem
    }

    /// In a re-executed master: the socket and the old workers handed over by the image before,
    /// or nil on a fresh start. The variables are removed, so that workers never see them.
    public static func inherited() -> (socket: ListenSocket, retiring: [Int32])? {
        guard let text = getenv(listenVariable).map({ String(cString: $0) }) else { return nil }
        let pids = getenv(retiringVariable).map { String(cString: $0) } ?? ""
        unsetenv(listenVariable)
        unsetenv(retiringVariable)
        guard let fd = Int32(text), fd >= 0, CPrefork_is_listening_socket(fd) == 1 else { return nil }
        let flags = fcntl(fd, F_GETFD)
        _ = fcntl(fd, F_SETFD, flags | FD_CLOEXEC)
        let retiring = pids.split(separator: ",").compactMap { Int32($0) }.filter { $0 > 0 }
        return (ListenSocket(fileDescriptor: fd, description: "fd \(fd) kept across re-exec"), retiring)
    }
}
