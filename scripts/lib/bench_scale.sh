# shellcheck shell=bash
# `scripts/bench scale`: every goal of issue 12 measured in one run, on a stack of its own, with
# the ratios that decide them. Source after common.sh, pg.sh, pool.sh and wrk.sh.
#
# The tables are built in SQL (generate_series, seconds) in the bench stack's own database and
# grown in steps: 1,000 items and users (the references), 1,000,000 users, 200,000 items, then
# 1,000,000 items; at the end both tables go back to 1,000 rows and the references are measured
# again (the ratios use the mean of both: on a shared machine, other sessions come and go).
# Items are 'Item N' / 'number N', as the rows the issue measured. Every wrk row runs
# `wrk -t2 -c$BENCH_SCALE_CONNECTIONS (16) -d$BENCH_SCALE_DURATION (10s)` after a 2 s warm-up.
#   lists      GET /items/ page 1 at each size and page 500 at 200k and 1M; GET /users/ page 1 at
#              1,000 and 1,000,000 users, page 500 at 1M; each `total` compared with count(*)
#   search     `number 12345` at 200k (the issue's row), a selective search at 1M (few hundred
#              matches) and one whose words are in every row, and searches matching most rows
#              (status and time of single requests: bounded by SEARCH_TIMEOUT_MILLISECONDS)
#   isolation  GET /items/{id} alone, then while 16 more connections post logins (bcrypt)
#   writes     POST /items/ (authenticated), and pgbench running the same INSERT on the same
#              (durable) cluster with as many clients as the API pool has workers (its sessions),
#              and with as many as wrk's connections
#   memory     RSS/PSS of every worker of both pools
# At the end the tables are emptied (TRUNCATE) before the stack is removed.

# scale_sql SQL...: psql on the bench database, quiet, values only.
scale_sql() { pg_psql "$STACK_PG_DIR" "$STACK_PG_PORT" "$STACK_DB" -tA "$@"; }

# scale_settle: VACUUM (the visibility map, for index-only scans), ANALYZE and a checkpoint after
# a load, so that none of them competes with the measurements.
scale_settle() { scale_sql -qc 'VACUUM ANALYZE items' -c 'VACUUM ANALYZE users' -c 'CHECKPOINT' >/dev/null; }

# scale_items FROM TO OWNER: inserts items FROM..TO ('Item N', 'number N'); prints the seconds.
scale_items() {
    local start end
    start=$(date +%s%N)
    scale_sql -qc "INSERT INTO items (title, description, price, owner_id, created_at)
        SELECT 'Item ' || g, 'number ' || g, g % 100000, $3, now() FROM generate_series($1, $2) g" >/dev/null
    end=$(date +%s%N)
    awk -v n=$((end - start)) 'BEGIN { printf "%.1f", n / 1e9 }'
}

# scale_users FROM TO: inserts users FROM..TO (no usable password); prints the seconds.
scale_users() {
    local start end
    start=$(date +%s%N)
    scale_sql -qc "INSERT INTO users (username, email, hashed_password, full_name, is_active, is_admin, created_at, updated_at)
        SELECT 'member' || g, 'member' || g || '@example.com', 'x', 'Member ' || g, true, false, now(), now()
        FROM generate_series($1, $2) g" >/dev/null
    end=$(date +%s%N)
    awk -v n=$((end - start)) 'BEGIN { printf "%.1f", n / 1e9 }'
}

# tree_ticks ROOT...: CPU time (clock ticks, user + system) used so far by each ROOT and its
# descendants, those that have exited included (their time is in the cutime and cstime of the
# process that waited for them: PostgreSQL's backends of a client that disconnected, recycled workers).
tree_ticks() {
    local root
    for root in "$@"; do
        [[ -n "$root" ]] || continue
        printf '%s\n' "$root"
        children_of "$root"
    done | while read -r root; do
        # A process that ends between the listing and the read (an autovacuum worker, a psql's
        # backend) is skipped: its time is in its parent's cutime once reaped. Without `|| true`
        # the loop's status would be the failed read's, and pipefail would end the bench.
        cat "/proc/$root/stat" 2>/dev/null || true
    done |
        # Fields 14 to 17 of /proc/PID/stat (after the parenthesised name, which may hold spaces).
        awk '{ sub(/^.*\) /, ""); ticks += $12 + $13 + $14 + $15 } END { print ticks + 0 }'
}

# scale_stack_ticks: the stack's CPU ticks so far: PostgreSQL (the postmaster and its backends),
# nginx, both pools' masters and workers. scale_pg_ticks: PostgreSQL's alone.
scale_stack_ticks() {
    tree_ticks "$(pg_cluster_pid "$STACK_PG_DIR")" "$(read_pidfile "$STACK_NGINX_PIDFILE")" "$SCALE_MASTER" \
        "$(read_pidfile "${STACK_AUTH_PIDFILE:-/nonexistent}")"
}
scale_pg_ticks() { tree_ticks "$(pg_cluster_pid "$STACK_PG_DIR")"; }

# per_answer TICKS ANSWERS: µs of CPU an answer.
per_answer() {
    awk -v t="$1" -v hz="$(getconf CLK_TCK)" -v n="$2" 'BEGIN { if (n > 0) printf "%.0f", t * 1e6 / hz / n; else print 0 }'
}

# client_per_answer TIMEFILE ANSWERS: µs of CPU an answer cost the load generator, from the
# `user system` seconds bash's `time` wrote to TIMEFILE (TIMEFORMAT='%U %S').
client_per_answer() {
    awk -v n="$2" 'NF == 2 && n > 0 { printf "%.0f", ($1 + $2) * 1e6 / n; done = 1 } END { if (!done) print 0 }' "$1"
}

# scale_row NAME PATH [WRK ARGS...]: one wrk measurement, printed and kept in SCALE_RPS[NAME],
# SCALE_P99[NAME], SCALE_CPU[NAME] (µs of CPU the stack spent per answer: what the row costs
# whatever else the shared machine runs meanwhile), SCALE_PG_CPU[NAME] (PostgreSQL's share of it)
# and SCALE_CLIENT_CPU[NAME] (wrk's own µs per answer).
declare -A SCALE_RPS=() SCALE_P99=() SCALE_CPU=() SCALE_PG_CPU=() SCALE_CLIENT_CPU=() SCALE_PGBENCH_TPS=()
declare -A SCALE_REFERENCE=() SCALE_CPU_REFERENCE=()
scale_row() {
    local name="$1" path="$2" out="$SCALE_TMP/$1.out" before after pg_before pg_after rc=0
    shift 2
    # The warm-up first (as wrk_measure would), so that the CPU counted is the measured run's.
    # A 30 s timeout instead of wrk's 2 s: a slow page (the version before, at a million rows)
    # is counted with its real latency instead of as a socket error.
    wrk -t2 -c"$SCALE_CONNECTIONS" -d2s --timeout 30s "$@" "$SCALE_BASE$path" >/dev/null 2>&1 || true
    before="$(scale_stack_ticks)" pg_before="$(scale_pg_ticks)"
    local TIMEFORMAT='%U %S'
    { time wrk_measure "$out" 0 -t2 -c"$SCALE_CONNECTIONS" -d"$SCALE_DURATION" --timeout 30s "$@" "$SCALE_BASE$path"; } \
        2>"$SCALE_TMP/$name.time" || rc=$?
    if ((rc != 0)); then
        printf '%-26s %-44s wrk failed: %s\n' "$name" "$path" "$(tr '\n' ' ' <"$out" | cut -c1-60)"
        return 0
    fi
    after="$(scale_stack_ticks)" pg_after="$(scale_pg_ticks)"
    SCALE_RPS[$name]="$WRK_RPS"
    SCALE_P99[$name]="$WRK_P99"
    SCALE_CPU[$name]="$(per_answer $((after - before)) "$WRK_REQUESTS")"
    SCALE_PG_CPU[$name]="$(per_answer $((pg_after - pg_before)) "$WRK_REQUESTS")"
    SCALE_CLIENT_CPU[$name]="$(client_per_answer "$SCALE_TMP/$name.time" "$WRK_REQUESTS")"
    printf '%-26s %-44s %10s %8s %8s %8s %7s %8s %6s %6s\n' "$name" "${path:0:44}" "$WRK_RPS" "$WRK_P50" "$WRK_P99" \
        "$WRK_NON2XX" "$WRK_ERRORS" "${SCALE_CPU[$name]}" "${SCALE_PG_CPU[$name]}" "${SCALE_CLIENT_CPU[$name]}"
}

scale_header() {
    printf '\n# %s (wrk -t2 -c%s -d%s --latency; load average %s)\n' "$1" "$SCALE_CONNECTIONS" "$SCALE_DURATION" \
        "$(cut -d' ' -f1-3 /proc/loadavg)"
    printf '%-26s %-44s %10s %8s %8s %8s %7s %8s %6s %6s\n' row path "req/s" "p50 ms" "p99 ms" non-2xx errors "CPU µs" \
        "of PG" "wrk"
}

# scale_exact NAME PATH TABLE [CURL ARGS...]: the list's `total` against count(*) of TABLE.
scale_exact() {
    local name="$1" path="$2" table="$3" total count
    shift 3
    total="$(curl -fsS "$@" "$SCALE_BASE$path" | jq -r .total)"
    count="$(scale_sql -c "SELECT count(*) FROM $table")"
    if [[ "$total" == "$count" ]]; then
        printf '  %s: total %s = count(*)\n' "$name" "$total"
    else
        printf '  %s: total %s, but count(*) is %s: NOT EXACT\n' "$name" "$total" "$count"
    fi
}

# scale_once NAME PATH: status and seconds of one request (searches that match most rows).
scale_once() {
    local answer
    answer="$(curl -sS -o "$SCALE_TMP/once.body" -w '%{http_code} %{time_total}' "$SCALE_BASE$2")"
    printf '  %-30s %-44s HTTP %s in %ss  %s\n' "$1" "${2:0:44}" "${answer% *}" "${answer#* }" \
        "$(jq -c 'if .total then {total} else . end' "$SCALE_TMP/once.body" 2>/dev/null | cut -c1-80)"
}

# scale_goal TEXT VALUE TARGET: a goal line; VALUE >= TARGET passes (TARGET "<x": VALUE < x).
scale_goal() {
    local verdict
    if [[ "$3" == "<"* ]]; then
        verdict="$(awk -v v="$2" -v t="${3#<}" 'BEGIN { print (v + 0 < t + 0) ? "met" : "NOT MET" }')"
    else
        verdict="$(awk -v v="$2" -v t="$3" 'BEGIN { print (v + 0 >= t + 0) ? "met" : "NOT MET" }')"
    fi
    printf '  %-62s %10s  (goal %s)  %s\n' "$1" "$2" "$3" "$verdict"
}

# scale_write_bound: what the cores allow POST /items/ at best, estimated from this run's CPU
# figures: with every core busy, a rate is the cores' time over the CPU an answer costs everybody.
# A POST costs at least PostgreSQL's own INSERT (what a pgbench transaction costs it: PostgreSQL
# at its most efficient), plus what a GET by id costs nginx and the pool outside PostgreSQL (no
# request of the API costs them less), plus wrk's own. Sets SCALE_WRITE_CEILING (req/s) and
# SCALE_WRITE_BOUND (that ceiling over pgbench's measured rate with the app's sessions).
SCALE_WRITE_CEILING="" SCALE_WRITE_BOUND=""
scale_write_bound() {
    local key="pgbench-c$WORKERS" get=item-by-id-alone
    [[ -n "${SCALE_PG_CPU[$key]:-}" && -n "${SCALE_CPU[$get]:-}" && -n "${SCALE_CPU[items-create]:-}" ]] || return 0
    local insert="${SCALE_PG_CPU[$key]}" outside=$((SCALE_CPU[$get] - SCALE_PG_CPU[$get]))
    local wrk="${SCALE_CLIENT_CPU[items-create]}" floor
    floor=$((insert + outside + wrk))
    ((floor > 0)) || return 0
    SCALE_WRITE_CEILING="$(awk -v c="$(nproc)" -v f="$floor" 'BEGIN { printf "%.0f", c * 1e6 / f }')"
    SCALE_WRITE_BOUND="$(ratio "$SCALE_WRITE_CEILING" "${SCALE_PGBENCH_TPS[$WORKERS]:-0}")"
    printf '  a POST costs at least the INSERT (%s µs of PostgreSQL a pgbench transaction) + a GET by id outside\n' "$insert"
    printf '  PostgreSQL (%s µs of nginx and the pool) + wrk (%s µs) = %s µs (measured: %s + %s µs): %s cores\n' \
        "$outside" "$wrk" "$floor" "${SCALE_CPU[items-create]}" "$wrk" "$(nproc)"
    printf '  allow about %s POST/s at best, %s of pgbench with %s clients.\n' "$SCALE_WRITE_CEILING" "$SCALE_WRITE_BOUND" "$WORKERS"
}

# bench_scale BASE TMP MASTER: the whole run (MASTER: the API pool's master).
bench_scale() {
    SCALE_BASE="$1" SCALE_TMP="$2" SCALE_MASTER="$3"
    local master="$3"
    SCALE_CONNECTIONS="${BENCH_SCALE_CONNECTIONS:-16}"
    SCALE_DURATION="${BENCH_SCALE_DURATION:-10s}"
    local auth=(-H "Authorization: Bearer $BENCH_TOKEN") owner item seconds
    owner="$(scale_sql -c "SELECT id FROM users WHERE email = 'bench_writer@example.com'")"
    [[ -n "$owner" ]] || die "the bench account is missing"

    printf '\n# scripts/bench scale on %s (%s cores, load average %s)\n' "$(uname -n)" "$(nproc)" \
        "$(cut -d' ' -f1-3 /proc/loadavg)"
    scale_sql -qc 'TRUNCATE items' >/dev/null
    seconds="$(scale_items 1 1000 "$owner")"
    scale_users 1 998 >/dev/null   # with the two accounts of the stack: 1,000 users
    scale_settle

    scale_header "1,000 items, 1,000 users"
    scale_row items-p1@1k "/api/v1/items/?page=1&per_page=20"
    scale_row users-p1@1k "/api/v1/users/?page=1&per_page=20" "${auth[@]}"
    scale_exact items@1k "/api/v1/items/" items
    scale_exact users@1k "/api/v1/users/" users "${auth[@]}"

    # Users first, so that their two sizes are measured close together.
    seconds="$(scale_users 999 999998)"
    scale_settle
    scale_header "1,000,000 users (999,000 inserted in ${seconds}s)"
    scale_row users-p1@1M "/api/v1/users/?page=1&per_page=20" "${auth[@]}"
    scale_row users-p500@1M "/api/v1/users/?page=500&per_page=20" "${auth[@]}"
    scale_exact users@1M "/api/v1/users/" users "${auth[@]}"

    seconds="$(scale_items 1001 200000 "$owner")"
    scale_settle
    scale_header "200,000 items (199,000 inserted in ${seconds}s)"
    scale_row items-p1@200k "/api/v1/items/?page=1&per_page=20"
    scale_row items-p500@200k "/api/v1/items/?page=500&per_page=20"
    scale_row search-number-12345@200k "/api/v1/items/?search=number%2012345"
    scale_exact items@200k "/api/v1/items/" items

    seconds="$(scale_items 200001 1000000 "$owner")"
    SCALE_BUILD_SECONDS="$seconds"
    scale_settle
    scale_header "1,000,000 items (800,000 inserted in ${seconds}s)"
    scale_row items-p1@1M "/api/v1/items/?page=1&per_page=20"
    scale_row items-p500@1M "/api/v1/items/?page=500&per_page=20"
    scale_row items-p5000@1M "/api/v1/items/?page=5000&per_page=20"
    scale_row search-1234@1M "/api/v1/items/?search=1234"
    scale_row search-number-12345@1M "/api/v1/items/?search=number%2012345"
    scale_exact items@1M "/api/v1/items/" items
    printf '  search matches: "1234" %s, "number 12345" %s\n' \
        "$(curl -fsS "$SCALE_BASE/api/v1/items/?search=1234" | jq .total)" \
        "$(curl -fsS "$SCALE_BASE/api/v1/items/?search=number%2012345" | jq .total)"
    printf '# searches matching most rows (one request each)\n'
    scale_once "search 'number' (every row)" "/api/v1/items/?search=number"
    scale_once "search 'Item 1' (111,112 rows)" "/api/v1/items/?search=Item%201"
    scale_once "search 'e' (every row, no trigram)" "/api/v1/items/?search=e"

    # Isolation: the same reads alone, then beside 16 connections posting logins.
    item="$(scale_sql -c 'SELECT min(id) FROM items')"
    wrk_lua "$SCALE_TMP/login.lua" POST application/x-www-form-urlencoded \
        'username=bench_writer%40example.com&password=BenchPass123%21'
    scale_header "password hashing beside the API (1,000,000 items)"
    scale_row item-by-id-alone "/api/v1/items/$item"
    wrk -t1 -c16 -d"$(( ${SCALE_DURATION%s} + 4 ))s" --timeout 30s --latency -s "$SCALE_TMP/login.lua" \
        "$SCALE_BASE/api/v1/auth/token" >"$SCALE_TMP/logins.out" 2>&1 &
    local logins=$!
    sleep 2
    scale_row item-by-id-with-logins "/api/v1/items/$item"
    wait "$logins" || true
    wrk_read "$SCALE_TMP/logins.out"
    SCALE_LOGIN_RATE="$(awk -v r="$WRK_REQUESTS" -v n="$WRK_NON2XX" -v s="$WRK_SECONDS" \
        'BEGIN { if (s > 0) printf "%.1f", (r - n) / s; else print 0 }')"
    printf '  logins meanwhile (16 connections, bcrypt cost %s): %s answers (%s non-2xx, %s errors) in %ss: %s logins/s, p50 %s ms, p99 %s ms\n' \
        "${BCRYPT_COST:-12}" "$WRK_REQUESTS" "$WRK_NON2XX" "$WRK_ERRORS" "$WRK_SECONDS" "$SCALE_LOGIN_RATE" "$WRK_P50" "$WRK_P99"

    # Writes, then PostgreSQL's own rate for the same INSERT on the same cluster.
    wrk_lua "$SCALE_TMP/post.lua" POST application/json '{"title":"bench","description":"wrk","price":100}'
    scale_header "writes (1,000,000 items, durable commits)"
    scale_row items-create "/api/v1/items/" -s "$SCALE_TMP/post.lua" "${auth[@]}"
    printf 'INSERT INTO items (title, description, price, owner_id, created_at) VALUES (%s, %s, 100, %s, now()) RETURNING id, title, description, price, owner_id, created_at;\n' \
        "'bench'" "'pgbench'" "$owner" >"$SCALE_TMP/insert.sql"
    # The app writes through one session per worker: pgbench with as many clients is PostgreSQL's
    # rate at the app's concurrency; with as many as wrk's connections, the rate it could reach.
    # Its CPU columns as the rows': PostgreSQL's µs a transaction (all of the stack's here) and pgbench's own.
    local clients pg_before pg_after transactions TIMEFORMAT='%U %S'
    for clients in "$WORKERS" "$SCALE_CONNECTIONS"; do
        pg_before="$(scale_pg_ticks)"
        { time "$PG_BIN/pgbench" -n -M prepared -c "$clients" -j 2 -T "${SCALE_DURATION%s}" -f "$SCALE_TMP/insert.sql" \
            -h "$STACK_PG_DIR" -p "$STACK_PG_PORT" -U postgres "$STACK_DB" >"$SCALE_TMP/pgbench.out" 2>&1; } \
            2>"$SCALE_TMP/pgbench.time" || true
        pg_after="$(scale_pg_ticks)"
        SCALE_PGBENCH_TPS[$clients]="$(awk '/^tps = / {printf "%.0f", $3}' "$SCALE_TMP/pgbench.out")"
        transactions="$(awk '/^number of transactions actually processed:/ {print $NF}' "$SCALE_TMP/pgbench.out")"
        SCALE_PG_CPU[pgbench-c$clients]="$(per_answer $((pg_after - pg_before)) "${transactions:-0}")"
        SCALE_CLIENT_CPU[pgbench-c$clients]="$(client_per_answer "$SCALE_TMP/pgbench.time" "${transactions:-0}")"
        printf '%-26s %-44s %10s %8s %8s %8s %7s %8s %6s %6s\n' "pgbench-same-insert-c$clients" \
            "(-c$clients -j2 -M prepared, same cluster)" "${SCALE_PGBENCH_TPS[$clients]:-?}" - - - - \
            "${SCALE_PG_CPU[pgbench-c$clients]}" "${SCALE_PG_CPU[pgbench-c$clients]}" "${SCALE_CLIENT_CPU[pgbench-c$clients]:-?}"
    done
    scale_write_bound

    # The references once more, now that the machine has run the rest: the ratios use the mean
    # of both measurements at 1,000 rows (other sessions on a shared machine shift both alike).
    scale_sql -qc 'TRUNCATE items' -c "DELETE FROM users WHERE id > (SELECT id FROM users WHERE username = 'member998')" >/dev/null
    scale_items 1 1000 "$owner" >/dev/null
    scale_settle
    scale_header "1,000 items and 1,000 users again"
    scale_row items-p1@1k-again "/api/v1/items/?page=1&per_page=20"
    scale_row users-p1@1k-again "/api/v1/users/?page=1&per_page=20" "${auth[@]}"
    scale_exact users@1k "/api/v1/users/" users "${auth[@]}"
    local table
    for table in items users; do
        SCALE_REFERENCE[$table]="$(awk -v a="${SCALE_RPS[$table-p1@1k]:-0}" -v b="${SCALE_RPS[$table-p1@1k-again]:-0}" \
            'BEGIN { printf "%.2f", (a + b) / 2 }')"
        SCALE_CPU_REFERENCE[$table]="$(awk -v a="${SCALE_CPU[$table-p1@1k]:-0}" -v b="${SCALE_CPU[$table-p1@1k-again]:-0}" \
            'BEGIN { printf "%.0f", (a + b) / 2 }')"
        printf '  reference for the %s ratios: %s req/s, %s µs of CPU a request (means of both measurements)\n' \
            "$table" "${SCALE_REFERENCE[$table]}" "${SCALE_CPU_REFERENCE[$table]}"
    done

    printf '\n# memory (MB): RSS, PSS, private (from /proc/PID/smaps_rollup)\n'
    memory_pools "$master"

    printf '\n# goals (ratios from this run)\n'
    for table in items users; do
        scale_goal "1. $table page 1 at 1M / at 1k, req/s" "$(ratio "${SCALE_RPS[$table-p1@1M]:-0}" "${SCALE_REFERENCE[$table]}")" 0.80
        scale_goal "1. $table page 500 at 1M / page 1 at 1k, req/s" \
            "$(ratio "${SCALE_RPS[$table-p500@1M]:-0}" "${SCALE_REFERENCE[$table]}")" 0.50
        # The same ratios from the CPU each request cost the stack (1k's cost / 1M's): what the
        # throughput ratio would be with the machine to itself.
        scale_goal "1. $table page 1 at 1M / at 1k, by CPU a request" \
            "$(ratio "${SCALE_CPU_REFERENCE[$table]}" "${SCALE_CPU[$table-p1@1M]:-0}")" 0.80
        scale_goal "1. $table page 500 at 1M / page 1 at 1k, by CPU a request" \
            "$(ratio "${SCALE_CPU_REFERENCE[$table]}" "${SCALE_CPU[$table-p500@1M]:-0}")" 0.50
    done
    scale_goal "2. selective search at 1M, req/s" "${SCALE_RPS[search-1234@1M]:-0}" 1000
    scale_goal "3. item by id with logins / alone" \
        "$(ratio "${SCALE_RPS[item-by-id-with-logins]:-0}" "${SCALE_RPS[item-by-id-alone]:-0}")" 0.50
    scale_goal "3. item by id with logins, p99 ms" "${SCALE_P99[item-by-id-with-logins]:-999}" "<25"
    scale_goal "3. logins completed meanwhile, per second" "$SCALE_LOGIN_RATE" 1
    scale_goal "4. POST /items/ req/s (10x the seed's 0.63-0.66k)" "${SCALE_RPS[items-create]:-0}" 6500
    scale_goal "4. POST /items/ / pgbench with the app's $WORKERS sessions" \
        "$(ratio "${SCALE_RPS[items-create]:-0}" "${SCALE_PGBENCH_TPS[$WORKERS]:-0}")" 0.80
    if [[ -n "$SCALE_WRITE_BOUND" ]]; then
        printf '  %-62s %10s  (estimate, see the writes)\n' "4. … what $(nproc) shared cores allow at best: req/s" "$SCALE_WRITE_CEILING"
        printf '  %-62s %10s  (estimate, see the writes)\n' "4. … and POST / pgbench" "$SCALE_WRITE_BOUND"
    fi
    scale_goal "5. seconds to insert 800,000 items in SQL" "$SCALE_BUILD_SECONDS" "<120"

    scale_sql -qc 'TRUNCATE items, users CASCADE' >/dev/null
    printf '\nbench tables removed (TRUNCATE items, users)\n'
}
