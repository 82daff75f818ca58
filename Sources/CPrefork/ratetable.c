// Rate-limit counters in shared memory, lock-free (see CPreforkRateTable.h).
//
// Layout: a 64-byte header, then 2^n slots of two words each:
//   key   — SipHash-2-4 of (rule, client) under the table's random key; 0 = never used.
//           A slot's key only ever changes from 0 to a key, or from one key to another by
//           eviction; it never goes back to 0, so a lookup may stop at the first empty slot.
//   state — (window end in deciseconds << 30) | count. The window end makes a slot's
//           expiry independent of its rule: any process can tell an expired slot.
//           count == CLAIMING marks a slot being evicted; its window end is then the end of
//           the evicting process's lease (so a claim left by a killed process expires).
//
// A hit is one compare-and-swap on the state word of the client's slot. Eviction (no empty
// slot among the `probes` candidates) takes the candidate whose window ends first — an
// expired one when there is one — in three steps: CAS state → CLAIMING, store the new key,
// store an expired state. Processes that meet a live claim wait a little, then let the
// request through rather than block.
#define _GNU_SOURCE
#include "CPreforkRateTable.h"

#include <errno.h>
#include <sched.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <unistd.h>

#define COUNT_BITS 30
#define COUNT_MASK ((UINT64_C(1) << COUNT_BITS) - 1)
#define CLAIMING COUNT_MASK
#define END_MASK ((UINT64_C(1) << (64 - COUNT_BITS)) - 1)
#define LEASE_DS 10          // an evicting process gets 1 s to finish its two stores
#define CLAIM_WAIT_ROUNDS 64 // yields spent waiting for someone else's eviction
#define RETRY_ROUNDS 16      // restarts of a lookup that lost a race
#define MAGIC UINT64_C(0x5241544554424c31) // "RATETBL1"

_Static_assert(CPrefork_RATE_MAX_LIMIT < CLAIMING, "a real count never looks like a claim");

typedef struct {
    _Atomic uint64_t key;
    _Atomic uint64_t state;
} rate_slot;

struct CPrefork_RateTable {
    uint64_t magic;
    uint64_t k0, k1;
    uint32_t mask;
    uint32_t probes;
    size_t mapping_size;
    _Atomic uint64_t evictions;
    uint8_t padding[16];
    rate_slot slots[];
};

_Static_assert(sizeof(struct CPrefork_RateTable) == 64, "slots start on a cache line");
_Static_assert(sizeof(rate_slot) == 16, "four slots per cache line");

// --- hashing: SipHash-2-4 (Aumasson & Bernstein), written from the paper -------------------

static inline uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

#define SIPROUND                                                      \
    do {                                                              \
        v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);     \
        v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;                        \
        v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;                        \
        v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);     \
    } while (0)

static uint64_t siphash24(uint64_t k0, uint64_t k1, const uint8_t *data, size_t length) {
    uint64_t v0 = k0 ^ UINT64_C(0x736f6d6570736575);
    uint64_t v1 = k1 ^ UINT64_C(0x646f72616e646f6d);
    uint64_t v2 = k0 ^ UINT64_C(0x6c7967656e657261);
    uint64_t v3 = k1 ^ UINT64_C(0x7465646279746573);
    size_t whole = length & ~(size_t)7;
    for (size_t i = 0; i < whole; i += 8) {
        uint64_t m = 0;
        for (int b = 7; b >= 0; b--) m = (m << 8) | data[i + (size_t)b];
        v3 ^= m;
        SIPROUND;
        SIPROUND;
        v0 ^= m;
    }
    uint64_t last = (uint64_t)length << 56;
    for (size_t b = 0; b < (length & 7); b++) last |= (uint64_t)data[whole + b] << (8 * b);
    v3 ^= last;
    SIPROUND;
    SIPROUND;
    v0 ^= last;
    v2 ^= 0xff;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    SIPROUND;
    return v0 ^ v1 ^ v2 ^ v3;
}

static uint64_t slot_key(const CPrefork_RateTable *t, uint32_t rule, const uint8_t *client, size_t length) {
    // Each rule hashes under its own key, so rules never share a counter.
    uint64_t h = siphash24(t->k0 ^ ((uint64_t)rule * UINT64_C(0x9e3779b97f4a7c15)), t->k1, client, length);
    return h ? h : 1;  // 0 means "empty"
}

static inline uint64_t state_make(int64_t end_ds, uint64_t count) {
    return (((uint64_t)end_ds & END_MASK) << COUNT_BITS) | count;
}
static inline int64_t state_end(uint64_t state) { return (int64_t)(state >> COUNT_BITS); }
static inline uint64_t state_count(uint64_t state) { return state & COUNT_MASK; }

// --- the table ---------------------------------------------------------------------------

CPrefork_RateTable *CPrefork_rate_table_create(uint32_t slots, uint32_t probes) {
    uint32_t count = 16;
    while (count < slots && count < (UINT32_C(1) << 30)) count <<= 1;
    if (probes == 0) probes = 1;
    if (probes > count) probes = count;
    size_t size = sizeof(struct CPrefork_RateTable) + (size_t)count * sizeof(rate_slot);
    void *memory = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return NULL;
    CPrefork_RateTable *t = memory;  // anonymous mappings are zero-filled: every slot empty
    uint64_t key[2];
    if (getrandom(key, sizeof key, 0) != (ssize_t)sizeof key) {
        int saved = errno;
        munmap(memory, size);
        errno = saved ? saved : EIO;
        return NULL;
    }
    t->k0 = key[0];
    t->k1 = key[1];
    t->mask = count - 1;
    t->probes = probes;
    t->mapping_size = size;
    t->magic = MAGIC;
    return t;
}

void CPrefork_rate_table_destroy(CPrefork_RateTable *table) {
    if (table) munmap(table, table->mapping_size);
}

uint32_t CPrefork_rate_table_slots(const CPrefork_RateTable *table) { return table->mask + 1; }

uint64_t CPrefork_rate_table_evictions(const CPrefork_RateTable *table) {
    return atomic_load_explicit(&((CPrefork_RateTable *)table)->evictions, memory_order_relaxed);
}

// Finds the slot holding `key`. With `claim`, takes an empty slot or evicts one when the key
// has none; without, returns NULL for a key that has no slot.
static rate_slot *find_slot(CPrefork_RateTable *t, uint64_t key, int64_t now_ds, int claim) {
    uint32_t base = (uint32_t)key & t->mask;
    for (int round = 0; round < RETRY_ROUNDS; round++) {
        rate_slot *victim = NULL;
        uint64_t victim_state = 0;
        int64_t victim_end = INT64_MAX;
        for (uint32_t p = 0; p < t->probes; p++) {
            rate_slot *s = &t->slots[(base + p) & t->mask];
            uint64_t k = atomic_load(&s->key);
            if (k == key) return s;
            if (k == 0) {
                if (!claim) return NULL;
                uint64_t expected = 0;
                if (atomic_compare_exchange_strong(&s->key, &expected, key) || expected == key) return s;
                continue;  // another key took it first
            }
            if (!claim) continue;
            uint64_t st = atomic_load(&s->state);
            int64_t end = state_end(st);
            if (state_count(st) == CLAIMING && end > now_ds) continue;  // being evicted right now
            if (end < victim_end) {
                victim = s;
                victim_state = st;
                victim_end = end;
            }
        }
        if (!claim) return NULL;
        if (victim == NULL) {
            sched_yield();
            continue;
        }
        // Evict: whoever changes the state first wins; a hit on the old key between our
        // reads and this CAS makes it fail, and we look again.
        if (!atomic_compare_exchange_strong(&victim->state, &victim_state, state_make(now_ds + LEASE_DS, CLAIMING))) {
            continue;
        }
        atomic_store(&victim->key, key);
        atomic_store(&victim->state, state_make(now_ds, 0));  // expired: the first hit opens a window
        atomic_fetch_add_explicit(&t->evictions, 1, memory_order_relaxed);
        return victim;
    }
    return NULL;
}

int CPrefork_rate_hit(CPrefork_RateTable *table, uint32_t rule, const uint8_t *client, size_t length,
                      uint32_t limit, int64_t window_ds, int64_t now_ds, CPrefork_RateResult *result) {
    if (limit > CPrefork_RATE_MAX_LIMIT) limit = CPrefork_RATE_MAX_LIMIT;
    if (window_ds < 1) window_ds = 1;
    uint64_t key = slot_key(table, rule, client, length);
    int waited = 0;
    for (int round = 0; round < RETRY_ROUNDS + CLAIM_WAIT_ROUNDS; round++) {
        rate_slot *s = find_slot(table, key, now_ds, 1);
        if (s == NULL) break;
        for (;;) {
            uint64_t st = atomic_load(&s->state);
            // The slot may have been handed to another key since find_slot saw it.
            if (atomic_load(&s->key) != key) break;
            int64_t end = state_end(st);
            uint64_t count = state_count(st);
            if (count == CLAIMING && end > now_ds) {
                if (++waited > CLAIM_WAIT_ROUNDS) goto give_up;
                sched_yield();
                continue;
            }
            if (end <= now_ds) {  // no window, an expired one, or a claim whose lease ran out
                if (limit == 0) {
                    *result = (CPrefork_RateResult){0, 0, 0};
                    return 0;
                }
                if (atomic_compare_exchange_weak(&s->state, &st, state_make(now_ds + window_ds, 1))) {
                    *result = (CPrefork_RateResult){1, 1, window_ds};
                    return 0;
                }
                continue;
            }
            if (count >= limit) {
                *result = (CPrefork_RateResult){0, (uint32_t)count, end - now_ds};
                return 0;
            }
            if (atomic_compare_exchange_weak(&s->state, &st, st + 1)) {
                *result = (CPrefork_RateResult){1, (uint32_t)(count + 1), end - now_ds};
                return 0;
            }
        }
    }
give_up:
    *result = (CPrefork_RateResult){1, 0, 0};
    return -1;
}

void CPrefork_rate_peek(CPrefork_RateTable *table, uint32_t rule, const uint8_t *client, size_t length,
                        uint32_t limit, int64_t now_ds, CPrefork_RateResult *result) {
    uint64_t key = slot_key(table, rule, client, length);
    rate_slot *s = find_slot(table, key, now_ds, 0);
    *result = (CPrefork_RateResult){1, 0, 0};
    if (s == NULL) return;
    uint64_t st = atomic_load(&s->state);
    int64_t end = state_end(st);
    uint64_t count = state_count(st);
    if (count == CLAIMING || end <= now_ds) return;
    result->count = (uint32_t)count;
    result->allowed = count < limit;
    result->reset_ds = end - now_ds;
}

void CPrefork_rate_test_child(CPrefork_RateTable *table, uint32_t rule, const uint8_t *client, size_t length,
                              uint32_t limit, int64_t window_ds, int64_t now_ds, uint64_t attempts,
                              unsigned pause_us, const uint64_t *start, uint64_t *allowed, uint64_t *refused) {
    while (start && __atomic_load_n(start, __ATOMIC_ACQUIRE) == 0) sched_yield();
    for (uint64_t i = 0; i < attempts; i++) {
        CPrefork_RateResult r;
        CPrefork_rate_hit(table, rule, client, length, limit, window_ds, now_ds, &r);
        __atomic_fetch_add(r.allowed ? allowed : refused, 1, __ATOMIC_SEQ_CST);
        if (pause_us) usleep(pause_us);
    }
    _exit(0);
}

int CPrefork_rate_test_abandon_claim(CPrefork_RateTable *table, uint32_t rule, const uint8_t *client,
                                     size_t length, int64_t lease_end_ds) {
    rate_slot *s = find_slot(table, slot_key(table, rule, client, length), 0, 0);
    if (s == NULL) return -1;
    atomic_store(&s->state, state_make(lease_end_ds, CLAIMING));
    return 0;
}
