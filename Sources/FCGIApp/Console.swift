import Glibc

/// Plain lines for a person at a terminal (the command's results and start-up failures);
/// everything else is logged as JSON.
enum Console {
    static func out(_ line: String) {
        write(1, line + "\n")
    }

    /// One line on stderr: `FCGIApp: <problem>`.
    static func fail(_ problem: String) {
        write(2, "FCGIApp: " + problem + "\n")
    }

    private static func write(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written <= 0 {
                if written < 0 && errno == EINTR { continue }
                return
            }
            offset += written
        }
    }
}
