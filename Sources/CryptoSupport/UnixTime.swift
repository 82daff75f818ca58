#if canImport(Glibc)
internal import Glibc
#elseif canImport(Darwin)
internal import Darwin
#endif

/// Wall-clock time as Unix seconds, the unit of JWT NumericDates (`exp`, `nbf`, `iat`).
public enum UnixTime {
    /// Whole seconds since 1970-01-01T00:00:00Z (`clock_gettime(CLOCK_REALTIME)`, truncated).
    public static func now() -> Int64 {
        var spec = timespec()
        // Cannot fail for CLOCK_REALTIME with a valid pointer.
        _ = clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec)
    }
}
