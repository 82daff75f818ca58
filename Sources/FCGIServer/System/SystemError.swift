import Glibc

/// A failed system call: which call and errno. Safe to log.
public struct SystemError: Error, Sendable, CustomStringConvertible {
    public let call: String
    public let errno: Int32

    public init(call: String, errno: Int32) {
        self.call = call
        self.errno = errno
    }

    public var description: String {
        "\(call) failed: \(String(cString: strerror(errno)))"
    }
}

/// Runs a system call, retrying on EINTR and throwing any other failure with its errno.
@discardableResult
func syscall<T: FixedWidthInteger>(_ call: String, _ body: () -> T) throws(SystemError) -> T {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        precondition(code != EBADF && code != EFAULT, "\(call): bad descriptor or address (a bug)")
        throw SystemError(call: call, errno: code)
    }
}
