import Glibc
import JSON

/// One JSON line per request, written with a single `write(2)`, in the same shape as the
/// other log lines (`JSONLogHandler`):
/// `{"ts":"…","level":"info","msg":"Request","pid":1,"request.id":"…","method":"GET","path":"/health","status":200,"duration_ms":0.12,"client":"127.0.0.1"}`.
///
/// It sits on every request's path, so it skips swift-log's metadata dictionaries and reuses
/// the formatted second of its timestamp. Never a token, a password or a body: only the fields
/// above. One per worker process (it keeps a small cache; not for sharing between threads).
public final class AccessLog {
    let fileDescriptor: Int32
    let pid: Int
    private var timestamp = UTCTimestamp.Formatter()

    public init(fileDescriptor: Int32 = 2) {
        self.fileDescriptor = fileDescriptor
        self.pid = Int(getpid())
    }

    public func record(_ request: Request, status: Int, durationMilliseconds: Double?) {
        var json = JSONWriter(capacity: 320)
        json.beginObject()
        json.key("ts")
        json.value(timestamp.now())
        json.key("level")
        json.value("info")
        json.key("msg")
        json.value("Request")
        json.key("pid")
        json.value(pid)
        json.key("request.id")
        json.value(request.id)
        json.key("method")
        json.value(request.method)
        json.key("path")
        json.value(request.path)
        json.key("status")
        json.value(status)
        if let durationMilliseconds {
            json.key("duration_ms")
            json.value((durationMilliseconds * 100).rounded() / 100)
        }
        json.key("client")
        json.value(request.clientAddress)
        json.endObject()
        var line = json.bytes
        line.append(UInt8(ascii: "\n"))
        LogOutput.write(line, to: fileDescriptor)
    }
}

/// Writes a whole log line, retrying on EINTR and partial writes; failures are dropped
/// (there is nowhere left to report them).
enum LogOutput {
    static func write(_ line: [UInt8], to fileDescriptor: Int32) {
        line.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fileDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }
}
