import CPrefork
import Glibc

/// The pool's rate-limit counters, in anonymous shared memory (`CPrefork_rate_*`, ratetable.c).
///
/// The master creates it before forking, so every worker — and every worker forked later to
/// replace one that died — works on the same memory; the counters outlive any worker.
/// Fixed size: `slots` counters of 16 bytes (a client address under one rule each); when the
/// candidates for a new client are all taken, the one whose window ends first is evicted.
/// Updates are lock-free (one compare-and-swap per hit), so a worker killed at any moment
/// cannot block the others.
///
/// ```swift
/// let table = try SharedRateLimitTable(slots: pool.rateLimitTableSlots)  // in the master
/// let limiter = SharedRateLimiter(table: table)                                   // in each worker
/// ```
public final class SharedRateLimitTable: @unchecked Sendable {
    // @unchecked: the memory is only touched through the C functions' atomic operations.
    let table: OpaquePointer

    /// How many consecutive slots a client's counter may occupy from its hash.
    public static let defaultProbes = 32

    /// Maps the table; `slots` is rounded up to a power of two.
    public init(slots: Int, probes: Int = SharedRateLimitTable.defaultProbes) throws(SystemError) {
        guard let table = CPrefork_rate_table_create(UInt32(clamping: slots), UInt32(clamping: probes)) else {
            throw SystemError(call: "mmap", errno: errno)
        }
        self.table = table
    }

    deinit {
        CPrefork_rate_table_destroy(table)
    }

    public var slotCount: Int { Int(CPrefork_rate_table_slots(table)) }

    /// Counters evicted to make room for new clients since the table was made.
    public var evictions: UInt64 { CPrefork_rate_table_evictions(table) }

    /// Counts one request; `now` and `window` in deciseconds. Nil when no slot could be had
    /// (all candidates being evicted at this instant): let the request through.
    func hit(rule: UInt32, client: String, limit: Int, windowDeciseconds: Int64, now: Int64) -> CPrefork_RateResult? {
        var result = CPrefork_RateResult()
        let status = withBytes(client) { bytes in
            CPrefork_rate_hit(table, rule, bytes.baseAddress, bytes.count, Self.limit(limit), windowDeciseconds, now, &result)
        }
        return status == 0 ? result : nil
    }

    /// The state of a client's counter, counting nothing.
    func peek(rule: UInt32, client: String, limit: Int, now: Int64) -> CPrefork_RateResult {
        var result = CPrefork_RateResult()
        withBytes(client) { bytes in
            CPrefork_rate_peek(table, rule, bytes.baseAddress, bytes.count, Self.limit(limit), now, &result)
        }
        return result
    }

    static func limit(_ value: Int) -> UInt32 {
        UInt32(clamping: min(value, Int(CPrefork_RATE_MAX_LIMIT)))
    }

    /// The client's UTF-8 bytes without copying when the string is native.
    func withBytes<R>(_ text: String, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R {
        if let result = text.utf8.withContiguousStorageIfAvailable(body) { return result }
        return Array(text.utf8).withUnsafeBufferPointer(body)
    }
}
