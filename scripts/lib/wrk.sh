# shellcheck shell=bash
# Measuring with wrk, and the memory of processes, for scripts/bench. Source after common.sh.

# wrk_lua FILE METHOD CONTENT_TYPE BODY: a wrk script that sends METHOD with BODY.
wrk_lua() {
    {
        printf 'wrk.method = "%s"\n' "$2"
        printf 'wrk.headers["Content-Type"] = "%s"\n' "$3"
        printf 'wrk.body = [==[%s]==]\n' "$4"
    } >"$1"
}

# wrk_measure OUT WARMUP ARGS...: `wrk --latency ARGS` (ARGS as wrk takes them, the URL last)
# after WARMUP seconds of the same load (0: none), output in OUT; then wrk_read OUT.
# False when wrk failed.
wrk_measure() {
    local out="$1" warmup="$2" args=()
    shift 2
    if ((warmup > 0)); then
        # The same arguments, with the duration replaced.
        for a in "$@"; do [[ "$a" == -d* ]] && args+=("-d${warmup}s") || args+=("$a"); done
        wrk "${args[@]}" >/dev/null 2>&1 || true
    fi
    wrk --latency "$@" >"$out" 2>&1 || return 1
    wrk_read "$out"
}

# wrk_read OUT: sets WRK_RPS (req/s), WRK_P50 and WRK_P99 (ms), WRK_REQUESTS (answers),
# WRK_SECONDS (duration), WRK_NON2XX (answers other than 2xx/3xx) and WRK_ERRORS (socket
# errors: connect, read, write, timeout) from wrk's output.
# shellcheck disable=SC2034  # the WRK_* variables are this function's results, read by callers
wrk_read() {
    local out="$1"
    WRK_RPS="$(awk '/^Requests\/sec:/ {print $2}' "$out")"
    WRK_P50="$(to_ms "$(awk '$1 == "50%" {print $2}' "$out")")"
    WRK_P99="$(to_ms "$(awk '$1 == "99%" {print $2}' "$out")")"
    WRK_REQUESTS="$(awk '/ requests in / {print $1}' "$out")"
    WRK_SECONDS="$(awk '/ requests in / {sub(",", "", $4); print $4}' "$out")"
    WRK_SECONDS="$(to_ms "${WRK_SECONDS:-0}")"
    WRK_SECONDS="$(awk -v m="$WRK_SECONDS" 'BEGIN { printf "%.2f", m / 1000 }')"
    WRK_NON2XX="$(awk '/Non-2xx or 3xx responses:/ {print $NF}' "$out")"
    WRK_ERRORS="$(awk '/Socket errors:/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$out")"
    : "${WRK_RPS:=0}" "${WRK_REQUESTS:=0}" "${WRK_NON2XX:=0}" "${WRK_ERRORS:=0}"
}

# to_ms VALUE: wrk prints 812.00us, 1.23ms, 1.05s, 1.02m.
to_ms() {
    awk -v v="${1:-0}" 'BEGIN {
        n = v + 0
        if (v ~ /us$/) n = n / 1000; else if (v ~ /ms$/) n = n; else if (v ~ /m$/) n = n * 60000; else if (v ~ /s$/) n = n * 1000
        printf "%.2f", n }'
}

# ratio A B [DIGITS]: A / B, or n/a.
ratio() {
    awk -v a="${1:-0}" -v b="${2:-0}" -v d="${3:-2}" 'BEGIN { if (b > 0) printf "%.*f", d, a / b; else print "n/a" }'
}

# RSS counts every page a process maps, shared library code included (libswiftCore,
# libcrypto: the same physical pages in every worker); PSS divides shared pages among their
# users; private is what the process alone holds (what one more worker costs).
# memory_header: the column titles of memory_row.
memory_header() { printf '%-16s %8s %8s %8s %8s\n' process pid RSS PSS private; }
# memory_row NAME PID: NAME, PID, RSS, PSS and private memory in MB (/proc/PID/smaps_rollup).
memory_row() {
    awk -v name="$1" -v pid="$2" '
        /^Rss:/ { rss = $2 } /^Pss:/ { pss = $2 } /^Private_(Clean|Dirty):/ { private += $2 }
        END { printf "%-16s %8s %8.1f %8.1f %8.1f\n", name, pid, rss / 1024, pss / 1024, private / 1024 }
    ' "/proc/$2/smaps_rollup"
}
# memory_pool LABEL MASTER_PID: the master's row, each worker's, and the workers' total.
memory_pool() {
    local label="$1" master="$2" rows w
    memory_row "$label master" "$master"
    rows="$(for w in $(pool_workers "$master"); do
        [[ -r "/proc/$w/smaps_rollup" ]] && memory_row "$label worker" "$w"
    done)"
    [[ -n "$rows" ]] || return 0
    printf '%s\n' "$rows"
    awk '{ rss += $4; pss += $5; private += $6; if ($4 > max) max = $4 }
         END { printf "%-16s %8s %8.1f %8.1f %8.1f   (largest worker RSS %.1f MB)\n", "workers total", "", rss, pss, private, max }' \
        <<<"$rows"
}

# memory_pools MASTER: memory_pool of the API pool (MASTER) and, on the stack started here, of
# its password-hashing pool (STACK_AUTH_PIDFILE), under one header.
memory_pools() {
    local auth_master=""
    memory_header
    memory_pool api "$1"
    [[ -n "${STACK_AUTH_PIDFILE:-}" ]] && auth_master="$(read_pidfile "$STACK_AUTH_PIDFILE")"
    if [[ -n "$auth_master" ]]; then memory_pool auth "$auth_master"; fi
}
