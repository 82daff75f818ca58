// The pool's scoreboard in shared memory (see CPreforkScoreboard.h).
#define _GNU_SOURCE
#include "CPreforkScoreboard.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAGIC UINT64_C(0x3142524f43534746) // "FGSCORB1": a board file of this layout

typedef struct {
    _Atomic int32_t pid;
    _Atomic int32_t busy;
    _Atomic uint64_t requests;
    _Atomic int64_t started_ms;
    _Atomic int64_t request_started_us;
    _Atomic int64_t last_duration_us;
    uint8_t padding[24];
} board_slot;

_Static_assert(sizeof(board_slot) == 64, "one slot per cache line: workers do not share lines");

struct CPrefork_Scoreboard {
    uint64_t magic;
    uint64_t mapping_size;
    uint32_t slot_count;
    int32_t master_pid;
    int64_t started_ms;
    _Atomic uint64_t accepted;
    _Atomic uint64_t slow;
    _Atomic uint64_t worker_exits;
    _Atomic uint32_t max_active;
    uint8_t padding1[4];
    char pool_name[CPrefork_POOL_NAME_SIZE];
    uint8_t padding2[32];
    board_slot slots[];
};

_Static_assert(sizeof(struct CPrefork_Scoreboard) == 128, "slots start on a cache line");

static size_t board_size(uint32_t slots) {
    return sizeof(struct CPrefork_Scoreboard) + (size_t)slots * sizeof(board_slot);
}

// Fills the header of a zeroed mapping.
static void board_init(CPrefork_Scoreboard *board, size_t size, uint32_t slots, int64_t now_ms,
                       const char *pool_name) {
    board->mapping_size = size;
    board->slot_count = slots;
    board->master_pid = (int32_t)getpid();
    board->started_ms = now_ms;
    if (pool_name) strncpy(board->pool_name, pool_name, CPrefork_POOL_NAME_SIZE - 1);
    board->magic = MAGIC;
}

CPrefork_Scoreboard *CPrefork_scoreboard_create(uint32_t slots, int64_t now_ms) {
    if (slots == 0 || slots > 65536) {
        errno = EINVAL;
        return NULL;
    }
    size_t size = board_size(slots);
    void *memory = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return NULL;
    CPrefork_Scoreboard *board = memory;  // zero-filled by mmap
    board_init(board, size, slots, now_ms, NULL);
    return board;
}

CPrefork_Scoreboard *CPrefork_scoreboard_create_file(const char *path, uint32_t slots, int64_t now_ms,
                                                     const char *pool_name) {
    if (slots == 0 || slots > 65536 || !path || strlen(path) > 4000) {
        errno = EINVAL;
        return NULL;
    }
    // Made complete under a name of its own, then renamed into place: a reader never sees a
    // half-written header, and a board that a previous master image left at `path` (its
    // workers may still write into it) is replaced, never truncated under them.
    char temporary[4096 + 32];
    snprintf(temporary, sizeof temporary, "%s.%d.tmp", path, (int)getpid());
    int fd = open(temporary, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return NULL;
    size_t size = board_size(slots);
    void *memory = MAP_FAILED;
    if (ftruncate(fd, (off_t)size) == 0) {
        memory = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    }
    int saved = errno;
    close(fd);
    if (memory == MAP_FAILED) {
        unlink(temporary);
        errno = saved;
        return NULL;
    }
    CPrefork_Scoreboard *board = memory;  // a new file reads as zeros
    board_init(board, size, slots, now_ms, pool_name);
    if (rename(temporary, path) != 0) {
        saved = errno;
        munmap(memory, size);
        unlink(temporary);
        errno = saved;
        return NULL;
    }
    return board;
}

const CPrefork_Scoreboard *CPrefork_scoreboard_open_peer(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return NULL;
    struct stat info;
    void *memory = MAP_FAILED;
    if (fstat(fd, &info) == 0 && info.st_size >= (off_t)sizeof(struct CPrefork_Scoreboard)) {
        memory = mmap(NULL, (size_t)info.st_size, PROT_READ, MAP_SHARED, fd, 0);
    }
    close(fd);
    if (memory == MAP_FAILED) {
        errno = EINVAL;
        return NULL;
    }
    const CPrefork_Scoreboard *board = memory;
    int valid = board->magic == MAGIC && board->mapping_size == (uint64_t)info.st_size &&
                board->slot_count > 0 && board->slot_count <= 65536 &&
                board_size(board->slot_count) == (size_t)info.st_size;
    // A board whose master is gone (killed before it could remove the file) is not a pool.
    int alive = valid && board->master_pid > 0 && (kill(board->master_pid, 0) == 0 || errno == EPERM);
    if (!alive) {
        munmap(memory, (size_t)info.st_size);
        errno = valid ? ESRCH : EINVAL;
        return NULL;
    }
    return board;
}

void CPrefork_scoreboard_close_peer(const CPrefork_Scoreboard *board) {
    if (board) munmap((void *)board, board->mapping_size);
}

void CPrefork_scoreboard_destroy(CPrefork_Scoreboard *board) {
    if (board) munmap(board, board->mapping_size);
}

void CPrefork_scoreboard_pool_name(const CPrefork_Scoreboard *board, char out[CPrefork_POOL_NAME_SIZE]) {
    memcpy(out, board->pool_name, CPrefork_POOL_NAME_SIZE);
    out[CPrefork_POOL_NAME_SIZE - 1] = 0;
}

int32_t CPrefork_scoreboard_master_pid(const CPrefork_Scoreboard *board) { return board->master_pid; }

uint32_t CPrefork_scoreboard_slots(const CPrefork_Scoreboard *board) { return board->slot_count; }

static int valid(const CPrefork_Scoreboard *board, int32_t slot) {
    return slot >= 0 && (uint32_t)slot < board->slot_count;
}

int32_t CPrefork_scoreboard_claim(CPrefork_Scoreboard *board, int64_t now_ms) {
    for (uint32_t i = 0; i < board->slot_count; i++) {
        int32_t expected = 0;
        board_slot *s = &board->slots[i];
        if (atomic_compare_exchange_strong(&s->pid, &expected, -1)) {
            atomic_store(&s->busy, 0);
            atomic_store(&s->requests, 0);
            atomic_store(&s->started_ms, now_ms);
            atomic_store(&s->request_started_us, 0);
            atomic_store(&s->last_duration_us, 0);
            return (int32_t)i;
        }
    }
    return -1;
}

void CPrefork_scoreboard_assign(CPrefork_Scoreboard *board, int32_t slot, int32_t pid) {
    if (valid(board, slot)) atomic_store(&board->slots[slot].pid, pid);
}

void CPrefork_scoreboard_release(CPrefork_Scoreboard *board, int32_t slot, int count_exit) {
    if (!valid(board, slot)) return;
    board_slot *s = &board->slots[slot];
    atomic_store(&s->busy, 0);
    if (count_exit) atomic_fetch_add(&board->worker_exits, 1);
    atomic_store(&s->pid, 0);
}

static uint32_t busy_slots(const CPrefork_Scoreboard *board) {
    CPrefork_Scoreboard *b = (CPrefork_Scoreboard *)board;  // atomic loads only
    uint32_t busy = 0;
    for (uint32_t i = 0; i < b->slot_count; i++) {
        if (atomic_load(&b->slots[i].pid) > 0 && atomic_load(&b->slots[i].busy)) busy++;
    }
    return busy;
}

void CPrefork_scoreboard_begin(CPrefork_Scoreboard *board, int32_t slot, int64_t now_us) {
    if (!valid(board, slot)) return;
    board_slot *s = &board->slots[slot];
    atomic_store(&s->request_started_us, now_us);
    atomic_store(&s->busy, 1);
    atomic_fetch_add(&board->accepted, 1);
    // The busy flags are the truth (a killed worker's flag is cleared when it is reaped); a
    // separate counter could be left wrong by a worker killed between two stores.
    uint32_t active = busy_slots(board);
    uint32_t seen = atomic_load(&board->max_active);
    while (active > seen && !atomic_compare_exchange_weak(&board->max_active, &seen, active)) {}
}

int64_t CPrefork_scoreboard_end(CPrefork_Scoreboard *board, int32_t slot, int64_t now_us, int64_t slow_us) {
    if (!valid(board, slot)) return 0;
    board_slot *s = &board->slots[slot];
    int64_t duration = now_us - atomic_load(&s->request_started_us);
    if (duration < 0) duration = 0;
    atomic_store(&s->last_duration_us, duration);
    atomic_fetch_add(&s->requests, 1);
    if (slow_us > 0 && duration >= slow_us) atomic_fetch_add(&board->slow, 1);
    atomic_store(&s->busy, 0);
    return duration;
}

void CPrefork_scoreboard_totals(const CPrefork_Scoreboard *board, CPrefork_PoolTotals *out) {
    CPrefork_Scoreboard *b = (CPrefork_Scoreboard *)board;  // atomic loads only
    out->started_ms = b->started_ms;
    out->accepted = atomic_load(&b->accepted);
    out->slow = atomic_load(&b->slow);
    out->worker_exits = atomic_load(&b->worker_exits);
    out->active = busy_slots(board);
    out->max_active = atomic_load(&b->max_active);
}

int CPrefork_scoreboard_worker(const CPrefork_Scoreboard *board, int32_t slot, CPrefork_WorkerStatus *out) {
    if (!valid(board, slot)) return -1;
    board_slot *s = (board_slot *)&board->slots[slot];  // atomic loads only
    int32_t pid = atomic_load(&s->pid);
    if (pid <= 0) return -1;
    out->pid = pid;
    out->busy = atomic_load(&s->busy);
    out->requests = atomic_load(&s->requests);
    out->started_ms = atomic_load(&s->started_ms);
    out->request_started_us = atomic_load(&s->request_started_us);
    out->last_duration_us = atomic_load(&s->last_duration_us);
    return 0;
}
