import CProcess
import Glibc

/// The signals a program handles in its own loop, through a self-pipe: the C handler only writes
/// the signal's number (php-fpm's way), the loop polls `fileDescriptor` and reads them with
/// `next()`. One per process (the C side is process-wide).
///
/// ```swift
/// let signals = try SignalPipe.install([SIGTERM, SIGQUIT])
/// while let signal = signals.next() { … }
/// ```
public struct SignalPipe: Sendable {
    /// The read end: readable when a signal is pending.
    public let fileDescriptor: Int32

    /// Installs the handlers (SIGPIPE is ignored from now on) and unblocks the signals.
    public static func install(_ signals: [Int32]) throws(StartupError) -> SignalPipe {
        let descriptor = signals.withUnsafeBufferPointer { CProcess_signals_install($0.baseAddress, Int32($0.count)) }
        guard descriptor >= 0 else {
            throw StartupError(exitCode: 71, line: "cannot install signal handlers: \(String(cString: strerror(errno)))")
        }
        return SignalPipe(fileDescriptor: descriptor)
    }

    /// The next pending signal, or nil.
    public func next() -> Int32? {
        let signal = CProcess_signals_next()
        return signal == 0 ? nil : signal
    }

    /// Blocks (or unblocks) the installed signals: around a fork or an exec.
    public static func block(_ block: Bool) {
        CProcess_signals_block(block ? 1 : 0)
    }
}
