#ifndef CPREFORK_RATE_TABLE_H
#define CPREFORK_RATE_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

// Rate-limit counters shared by every process of the pool (ratetable.c).
//
// The master maps the table (MAP_SHARED | MAP_ANONYMOUS) before it forks; every worker, and
// every worker forked later to replace one, sees the same memory. Each slot is two 64-bit
// words updated with compare-and-swap only: no lock is ever held, so a worker killed with
// SIGKILL at any instruction cannot block the others.
//
// Times are deciseconds on a clock all processes share (the caller passes CLOCK_MONOTONIC).

typedef struct CPrefork_RateTable CPrefork_RateTable;

/// Maps a table of at least `slots` slots (rounded up to a power of two, 16 bytes each) in
/// anonymous shared memory, with a random hash key. A client's counter may live in any of
/// `probes` consecutive slots from its hash. NULL with errno set when the mapping fails.
CPrefork_RateTable *CPrefork_rate_table_create(uint32_t slots, uint32_t probes);

/// Unmaps the table in the calling process.
void CPrefork_rate_table_destroy(CPrefork_RateTable *table);

/// Number of slots after rounding.
uint32_t CPrefork_rate_table_slots(const CPrefork_RateTable *table);

/// How many counters were evicted to make room since the table was created.
uint64_t CPrefork_rate_table_evictions(const CPrefork_RateTable *table);

/// The outcome of one hit or peek.
typedef struct {
    /// 1: allowed (and counted, for a hit); 0: over the limit, not counted.
    int32_t allowed;
    /// Requests counted in the current window, this one included.
    uint32_t count;
    /// Deciseconds until the current window ends (0: no window open).
    int64_t reset_ds;
} CPrefork_RateResult;

/// The largest limit a counter can hold.
#define CPrefork_RATE_MAX_LIMIT 1073741822u

/// Counts one request of `client` (bytes) under rule `rule` (rules count separately): a fixed
/// window of `window_ds` that opens with the first request; at most `limit` requests are
/// allowed in it, refused ones are not counted. Returns 0, or -1 when no slot could be had
/// (every candidate busy being evicted): the caller should let the request through.
int CPrefork_rate_hit(CPrefork_RateTable *table, uint32_t rule, const uint8_t *client, size_t length,
                      uint32_t limit, int64_t window_ds, int64_t now_ds, CPrefork_RateResult *result);

/// The state of `client` under `rule` without counting anything (allowed = count < limit).
void CPrefork_rate_peek(CPrefork_RateTable *table, uint32_t rule, const uint8_t *client, size_t length,
                        uint32_t limit, int64_t now_ds, CPrefork_RateResult *result);

/// For tests, in a forked child of a multi-threaded test process: waits until `*start` (shared
/// memory, may be NULL) is non-zero, hits `client` under `rule` `attempts` times (sleeping
/// `pause_us` between hits), adds the allowed ones to `*allowed` and the refused ones to
/// `*refused` (shared memory) as it goes, then `_exit(0)`s. Calls only async-signal-safe
/// functions and never returns.
void CPrefork_rate_test_child(CPrefork_RateTable *table, uint32_t rule, const uint8_t *client, size_t length,
                              uint32_t limit, int64_t window_ds, int64_t now_ds, uint64_t attempts,
                              unsigned pause_us, const uint64_t *start, uint64_t *allowed, uint64_t *refused)
    __attribute__((noreturn));

/// For tests: leaves `client`'s slot as an evicting process that died half-way would
/// (claimed until `lease_end_ds`). Returns 0, or -1 when the client has no slot.
int CPrefork_rate_test_abandon_claim(CPrefork_RateTable *table, uint32_t rule, const uint8_t *client,
                                     size_t length, int64_t lease_end_ds);

#endif
