import Glibc

/// Sleeps the calling thread (never an event loop's).
func usleepMilliseconds(_ milliseconds: Int) {
    usleep(UInt32(milliseconds * 1000))
}

/// Monotonic nanoseconds, for durations.
func monotonicNanoseconds() -> UInt64 {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return UInt64(spec.tv_sec) * 1_000_000_000 + UInt64(spec.tv_nsec)
}

/// Raises the soft limit of open files to the hard limit: each client is a socket.
func raiseOpenFileLimit() -> (soft: UInt64, hard: UInt64)? {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
    if limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
    return (UInt64(limit.rlim_cur), UInt64(limit.rlim_max))
}

/// `conninfo` (a libpq URI or key=value string) with `application_name` set, so that the
/// daemon's sessions are recognisable in `pg_stat_activity` (`chatd`, `chatd-listen`); one
/// already given is kept.
func conninfo(_ conninfo: String, applicationName: String) -> String {
    guard !conninfo.contains("application_name=") else { return conninfo }
    if conninfo.contains("://") {
        return conninfo + (conninfo.contains("?") ? "&" : "?") + "application_name=" + applicationName
    }
    return conninfo + " application_name=" + applicationName
}
