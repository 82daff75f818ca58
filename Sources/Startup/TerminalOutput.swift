import AppCore

/// Plain lines for a person at a terminal — a command's results and its start-up failures —
/// where everything else is logged as JSON. Each executable keeps one:
///
/// ```swift
/// let Console = TerminalOutput(program: "FCGIApp")
/// Console.fail("SECRET_KEY is missing")   // stderr: "FCGIApp: SECRET_KEY is missing"
/// ```
public struct TerminalOutput: Sendable {
    public let program: String

    public init(program: String) {
        self.program = program
    }

    /// One line on stdout.
    public func out(_ line: String) {
        LogOutput.write(Array((line + "\n").utf8), to: 1)
    }

    /// One line on stderr, prefixed with the program's name.
    public func fail(_ problem: String) {
        LogOutput.write(Array((program + ": " + problem + "\n").utf8), to: 2)
    }
}
