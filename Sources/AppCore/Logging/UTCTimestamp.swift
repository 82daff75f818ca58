import Glibc

/// Wall-clock timestamps for log lines, without Foundation: `2026-11-29T05:00:00.123Z`.
enum UTCTimestamp {
    static func now() -> String {
        var formatter = Formatter()
        return formatter.now()
    }

    /// Formats the current time, reusing the date and time of day while the second is the same.
    struct Formatter {
        private var cachedSecond = -1
        private var cachedPrefix = ""

        mutating func now() -> String {
            var spec = timespec()
            clock_gettime(CLOCK_REALTIME, &spec)
            if spec.tv_sec != cachedSecond {
                var seconds = spec.tv_sec
                var parts = tm()
                gmtime_r(&seconds, &parts)
                cachedSecond = spec.tv_sec
                cachedPrefix =
                    "\(parts.tm_year + 1900)-\(pad(Int(parts.tm_mon) + 1))-\(pad(Int(parts.tm_mday)))T"
                    + "\(pad(Int(parts.tm_hour))):\(pad(Int(parts.tm_min))):\(pad(Int(parts.tm_sec)))."
            }
            return cachedPrefix + pad(Int(spec.tv_nsec / 1_000_000), width: 3) + "Z"
        }

        func pad(_ value: Int, width: Int = 2) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
    }
}
