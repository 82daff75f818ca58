/// Why a program cannot start: one line for the terminal, and the exit status (sysexits.h:
/// 64 usage, 69 unavailable, 71 OS error, 73 cannot create, 78 configuration).
public struct StartupError: Error, Sendable, CustomStringConvertible {
    public let exitCode: Int32
    public let line: String

    public init(exitCode: Int32, line: String) {
        self.exitCode = exitCode
        self.line = line
    }

    public var description: String { line }
}
