import Glibc

/// One runner at a time per host (and database): an exclusive `flock` on a lock file, taken
/// without waiting. Cron starts `run once` every minute; when the previous run is still busy
/// (a large campaign), the new one sees the lock and exits at once instead of piling up.
/// The kernel releases the lock when the process ends, however it ends (`kill -9` included).
/// Runners on other hosts are not affected: they and this one share the work through
/// `FOR UPDATE SKIP LOCKED`.
final class HostLock {
    private let fd: Int32

    private init(fd: Int32) {
        self.fd = fd
    }

    deinit {
        Glibc.close(fd)
    }

    enum Outcome {
        case acquired(HostLock)
        case heldByAnother
    }

    struct LockError: Error, CustomStringConvertible {
        let description: String
    }

    static func acquire(path: String) throws(LockError) -> Outcome {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw LockError(description: "cannot open the lock file \(path): \(String(cString: strerror(errno)))")
        }
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let error = errno
            if error == EINTR { continue }
            Glibc.close(fd)
            if error == EWOULDBLOCK { return .heldByAnother }
            throw LockError(description: "cannot lock \(path): \(String(cString: strerror(error)))")
        }
        // The holder's pid, for a person looking at the file.
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return .acquired(HostLock(fd: fd))
    }
}
