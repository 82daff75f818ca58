import Glibc

/// A point in time on the monotonic clock: every wait of the mail code ends by one.
public struct Deadline: Sendable, Comparable {
    /// Nanoseconds on CLOCK_MONOTONIC.
    public let nanoseconds: UInt64

    public init(nanoseconds: UInt64) {
        self.nanoseconds = nanoseconds
    }

    public static func now() -> Deadline {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Deadline(nanoseconds: UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec))
    }

    /// `seconds` from now.
    public static func after(seconds: Double) -> Deadline {
        let now = Deadline.now().nanoseconds
        return Deadline(nanoseconds: now + UInt64(max(0, seconds) * 1_000_000_000))
    }

    /// Seconds left (0 when passed).
    public var secondsLeft: Double {
        let now = Deadline.now().nanoseconds
        return nanoseconds > now ? Double(nanoseconds - now) / 1_000_000_000 : 0
    }

    /// Milliseconds left for poll(2), at least 0.
    var pollMilliseconds: Int32 {
        let now = Deadline.now().nanoseconds
        guard nanoseconds > now else { return 0 }
        return Int32(min(UInt64(Int32.max), (nanoseconds - now + 999_999) / 1_000_000))
    }

    public var hasPassed: Bool { Deadline.now().nanoseconds >= nanoseconds }

    /// The earlier of two deadlines.
    public func capped(at other: Deadline) -> Deadline { min(self, other) }

    public static func < (lhs: Deadline, rhs: Deadline) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}
