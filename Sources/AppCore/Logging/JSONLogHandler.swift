import Glibc
import JSON
import Logging

/// A swift-log handler that writes one JSON object per line to a file descriptor (stderr by
/// default) with a single `write(2)`, so lines of several worker processes never interleave.
///
/// `{"ts":"2026-11-29T05:00:00.123Z","level":"info","msg":"Request","pid":123,"request.id":"…"}`
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    let label: String
    let fileDescriptor: Int32

    public init(label: String, level: Logger.Level = .info, fileDescriptor: Int32 = 2) {
        self.label = label
        self.logLevel = level
        self.fileDescriptor = fileDescriptor
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var json = JSONWriter(capacity: 256)
        json.beginObject()
        json.key("ts")
        json.value(UTCTimestamp.now())
        json.key("level")
        json.value(event.level.rawValue)
        json.key("msg")
        json.value(event.message.description)
        json.key("pid")
        json.value(Int(getpid()))
        for (key, value) in metadata.sorted(by: { $0.key < $1.key }) where event.metadata?[key] == nil {
            json.key(key)
            Self.write(value, into: &json)
        }
        if let extra = event.metadata {
            for (key, value) in extra.sorted(by: { $0.key < $1.key }) {
                json.key(key)
                Self.write(value, into: &json)
            }
        }
        json.endObject()
        var line = json.bytes
        line.append(UInt8(ascii: "\n"))
        LogOutput.write(line, to: fileDescriptor)
    }

    static func write(_ value: Logger.Metadata.Value, into json: inout JSONWriter) {
        switch value {
        case .string(let text):
            json.value(text)
        case .stringConvertible(let convertible):
            if let number = convertible as? Int {
                json.value(number)
            } else if let number = convertible as? Double {
                json.value(number)
            } else if let flag = convertible as? Bool {
                json.value(flag)
            } else {
                json.value(convertible.description)
            }
        case .array(let values):
            json.beginArray()
            for element in values { write(element, into: &json) }
            json.endArray()
        case .dictionary(let entries):
            json.beginObject()
            for (key, element) in entries.sorted(by: { $0.key < $1.key }) {
                json.key(key)
                write(element, into: &json)
            }
            json.endObject()
        }
    }
}
