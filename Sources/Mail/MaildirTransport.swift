import Glibc

/// Delivers into a maildir folder (`DIR/new/`), the development default (`maildir:./.data/mail`):
/// each mail is written to `tmp/`, flushed to disk, then renamed into `new/`, so a reader never
/// sees half a mail. Any mail client reads the folder (`mutt -f .data/mail`).
public final class MaildirTransport: MailTransport {
    public let directory: String
    private let hostName: String
    private var counter = 0

    public init(directory: String, hostName: String) {
        self.directory = directory
        self.hostName = hostName.isEmpty ? "localhost" : hostName.replacing("/", with: "_").replacing(":", with: "_")
    }

    public func send(_ message: MailMessage, deadline: Deadline) throws(MailError) {
        try makeFolders()
        counter += 1
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        let name = "\(spec.tv_sec).M\(spec.tv_nsec / 1000)P\(getpid())Q\(counter).\(hostName)"
        let temporary = directory + "/tmp/" + name
        let final = directory + "/new/" + name
        let bytes = MessageFormat.render(message)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw .temporary("maildir: cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                Glibc.close(fd)
                unlink(temporary)
                throw .temporary("maildir: cannot write \(temporary): \(reason)")
            }
            offset += written
        }
        let synced = fsync(fd) == 0
        Glibc.close(fd)
        guard synced, rename(temporary, final) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw .temporary("maildir: cannot deliver into \(directory)/new: \(reason)")
        }
    }

    public func close() {}

    private func makeFolders() throws(MailError) {
        for folder in [directory, directory + "/tmp", directory + "/new", directory + "/cur"] {
            if mkdir(folder, 0o750) != 0 && errno != EEXIST {
                // A missing parent: create the path step by step (mkdir -p).
                var path = folder.hasPrefix("/") ? "" : "."
                for part in folder.split(separator: "/") where part != "." {
                    path += "/" + part
                    if mkdir(path, 0o750) != 0 && errno != EEXIST {
                        throw .temporary("maildir: cannot create \(path): \(String(cString: strerror(errno)))")
                    }
                }
            }
        }
    }
}
