#ifndef CPREFORK_SCOREBOARD_H
#define CPREFORK_SCOREBOARD_H

#include <stdint.h>
#include <sys/types.h>

// The pool's scoreboard (scoreboard.c), as php-fpm keeps one: a slot per worker in shared
// memory that the master maps before it forks. The master hands each new worker a free slot
// and frees it when the worker is reaped; the worker marks itself busy and idle around each
// request; any process reads the whole board for the status page.
//
// Every field is a C11 atomic written by one process at a time (the slot's worker, or the
// master once that worker is gone), so no lock exists that a killed process could leave held.
// Times: `*_ms` wall-clock milliseconds, `*_us` CLOCK_MONOTONIC microseconds.

typedef struct CPrefork_Scoreboard CPrefork_Scoreboard;

/// One worker as the board shows it.
typedef struct {
    int32_t pid;               // 0: free slot; -1: claimed, fork in progress
    int32_t busy;              // 1 while a request is in hand
    uint64_t requests;         // requests this worker has served
    int64_t started_ms;        // when the master forked it
    int64_t request_started_us;// when the request in hand began (valid while busy)
    int64_t last_duration_us;  // how long its last finished request took
} CPrefork_WorkerStatus;

/// The pool's counters.
typedef struct {
    int64_t started_ms;        // when the board (the pool) was created
    uint64_t accepted;         // requests accepted by all workers, ever
    uint64_t slow;             // requests that took longer than the slow threshold
    uint64_t worker_exits;     // workers that ended while the pool was serving
    uint32_t active;           // workers with a request in hand now (their busy flags)
    uint32_t max_active;       // the most that were ever busy at once
} CPrefork_PoolTotals;

/// Room for a pool's name on the board, the terminating NUL included.
#define CPrefork_POOL_NAME_SIZE 32

/// Maps a board of `slots` slots in anonymous shared memory; NULL with errno set on failure.
CPrefork_Scoreboard *CPrefork_scoreboard_create(uint32_t slots, int64_t now_ms);
/// The same board in a file at `path` (mode 0600, made under a temporary name and renamed into
/// place), so that the status pages of other pools on this host can read it. Records the
/// caller's pid as the pool's master and `pool_name` (cut to 31 bytes). NULL with errno set.
CPrefork_Scoreboard *CPrefork_scoreboard_create_file(const char *path, uint32_t slots, int64_t now_ms,
                                                     const char *pool_name);
void CPrefork_scoreboard_destroy(CPrefork_Scoreboard *board);
uint32_t CPrefork_scoreboard_slots(const CPrefork_Scoreboard *board);

// --- another pool's board, read-only ----------------------------------------------------
/// Maps the board file at `path` read-only; NULL (errno set) when it is not a board of this
/// layout, or when the master that wrote it no longer runs.
const CPrefork_Scoreboard *CPrefork_scoreboard_open_peer(const char *path);
void CPrefork_scoreboard_close_peer(const CPrefork_Scoreboard *board);
/// The pool's name as its master recorded it (empty for an anonymous board).
void CPrefork_scoreboard_pool_name(const CPrefork_Scoreboard *board, char out[CPrefork_POOL_NAME_SIZE]);
int32_t CPrefork_scoreboard_master_pid(const CPrefork_Scoreboard *board);

// --- master -----------------------------------------------------------------------------
/// Claims a free slot for a worker about to be forked; -1 when every slot is taken.
int32_t CPrefork_scoreboard_claim(CPrefork_Scoreboard *board, int64_t now_ms);
/// Records the forked worker's pid in its slot.
void CPrefork_scoreboard_assign(CPrefork_Scoreboard *board, int32_t slot, int32_t pid);
/// Frees the slot of a worker that ended (or was never forked), busy or not; `count_exit`
/// adds it to `worker_exits`.
void CPrefork_scoreboard_release(CPrefork_Scoreboard *board, int32_t slot, int count_exit);

// --- worker -----------------------------------------------------------------------------
/// A request was accepted by the worker in `slot`.
void CPrefork_scoreboard_begin(CPrefork_Scoreboard *board, int32_t slot, int64_t now_us);
/// Its request is answered; counts it slow when it took `slow_us` or more (0: never).
/// Returns its duration in microseconds.
int64_t CPrefork_scoreboard_end(CPrefork_Scoreboard *board, int32_t slot, int64_t now_us, int64_t slow_us);

// --- anyone -----------------------------------------------------------------------------
void CPrefork_scoreboard_totals(const CPrefork_Scoreboard *board, CPrefork_PoolTotals *out);
/// Copies slot `slot`; returns 0 when it holds a worker, -1 when it is free or claimed.
int CPrefork_scoreboard_worker(const CPrefork_Scoreboard *board, int32_t slot, CPrefork_WorkerStatus *out);

#endif
