#!/usr/bin/env bash
# The per-request time limit and the streamed response, through nginx.
#
# (a) A second pool (one worker, REQUEST_TIMEOUT_SECONDS=1) behind a second nginx: while a psql
#     session holds an ACCESS EXCLUSIVE lock on items, GET /api/v1/items/ blocks in PostgreSQL;
#     after ~1 s the worker cancels the statement and answers 504 with JSON. Once the lock is
#     released the same worker (same pid, same PostgreSQL session) answers 200.
# (b) GET /api/v1/stream through the main nginx: text/event-stream, no Content-Length, the
#     seed's ten events. Directly on the pool's socket, each event is its own FastCGI record
#     (flushed as made). The seed sends the events back to back, so timestamps are reported,
#     not compared.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../lib/nginx.sh
. "$stack_tests_dir/../lib/nginx.sh"

pool_pidfile="$STACK_RUN/timeout-pool.pid"
nginx_pidfile="$STACK_RUN/nginx-timeout.pid"
nginx_prefix="$TEST_TMP/timeout-nginx"
sock="$TEST_TMP/timeout.sock"
pool_log="$STACK_LOGS/timeout-pool.log"
lock_app=stack-timeout-lock
locker_pid=""

psql_stack() { pg_psql "$STACK_PG_DIR" "$STACK_PG_PORT" "$STACK_DB" "$@"; }

# release_lock: cancels the psql session that holds the lock (by its application_name) and
# waits for that psql (started here) to end.
release_lock() {
    psql_stack -tAc "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = '$lock_app'" \
        >/dev/null 2>&1 || true
    if [[ -n "$locker_pid" ]]; then
        wait_until 5000 bash -c '! kill -0 "$1" 2>/dev/null' _ "$locker_pid" || kill "$locker_pid" 2>/dev/null || true
        wait "$locker_pid" 2>/dev/null || true
        locker_pid=""
    fi
}

cleanup_75() {
    release_lock
    nginx_stop "$nginx_pidfile"
    pool_stop "$pool_pidfile" TERM
    check_cleanup
}
trap cleanup_75 EXIT

# --- (a) the time limit -------------------------------------------------------------------
LOG_FILE="$pool_log" REQUEST_TIMEOUT_SECONDS=1 SLOW_REQUEST_MILLISECONDS=500 \
    pool_start_standalone "$sock" "$pool_pidfile" "$STACK_LOGS/timeout-pool.stderr.log" --workers 1
pool_master="$(read_pidfile "$pool_pidfile")"
port="$(free_port $((STACK_PORT + 40)))"
nginx_render "$nginx_prefix" "$port" "$sock" "$STACK_WS_PORT" "$nginx_pidfile"
nginx_start "$nginx_prefix" "$nginx_pidfile"
url="http://127.0.0.1:$port"
if wait_ready "$url" 15 "$pool_master" "$pool_log" "$nginx_prefix/logs/error.log" >/dev/null 2>&1; then
    ok "timeout pool (1 worker, REQUEST_TIMEOUT_SECONDS=1) ready behind nginx on $port"
else
    fail "timeout pool ready behind nginx on $port" "$(shorten "$(tail -n 5 "$pool_log" 2>/dev/null)")"
fi
worker_before="$(pool_workers "$pool_master" | tr '\n' ' ')"
check_eq "timeout pool: one worker" 1 "$(worker_count "$pool_master")"

http GET "$url/api/v1/items/"
check_status "timeout pool: items list 200 before the lock" 200
backend_before="$(psql_stack -tAc "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'")"

# A session that takes the table lock and keeps it (pg_sleep) until it is cancelled.
PGAPPNAME="$lock_app" "$PG_BIN/psql" -X -q -h "$STACK_PG_DIR" -p "$STACK_PG_PORT" -U postgres -d "$STACK_DB" \
    -c "BEGIN; LOCK TABLE items IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT" >/dev/null 2>&1 &
locker_pid=$!
lock_held() {
    [[ "$(psql_stack -tAc "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
        WHERE a.application_name = '$lock_app' AND l.relation = 'items'::regclass
        AND l.mode = 'AccessExclusiveLock' AND l.granted" 2>/dev/null)" == 1 ]]
}
check "psql holds ACCESS EXCLUSIVE on items" "lock not granted within 5 s" wait_until 5000 lock_held

t0="$(date +%s%N)"
HTTP_TIMEOUT=10 http GET "$url/api/v1/items/"
ms=$((($(date +%s%N) - t0) / 1000000))
info "blocked items list answered $HTTP_STATUS after $ms ms: $(shorten "$HTTP_BODY")"
check_status "blocked statement: 504" 504
check "blocked statement: answered after ~1 s (900-3000 ms)" "took $ms ms" \
    test "$ms" -ge 900 -a "$ms" -le 3000
check_jq "blocked statement: JSON detail in Japanese (seed's text)" '.detail == "処理がタイムアウトしました（1秒）"'
check_eq "blocked statement: Content-Type application/json" application/json "$(header Content-Type | cut -d';' -f1)"
check "blocked statement: X-Request-ID on the 504" "missing" test -n "$(header X-Request-ID)"

HTTP_TIMEOUT=10 http GET "$url/api/v1/items/" -H "Accept-Language: en"
check_status "blocked statement (Accept-Language: en): 504" 504
check_jq "blocked statement: English detail" '.detail == "Request timed out (1 s)"'

# While the lock is still held: the cancel reached PostgreSQL (the worker's session is idle,
# not still waiting for the lock nor left in a transaction).
worker_state="$(psql_stack -tAc "SELECT coalesce(string_agg(state || '/' || coalesce(wait_event_type, '-'), ','), 'none')
    FROM pg_stat_activity WHERE datname = current_database() AND application_name <> '$lock_app'
    AND pid <> pg_backend_pid() AND backend_type = 'client backend' AND query ILIKE '%FROM items%'")"
info "sessions that ran the items query, while the lock is held: $worker_state"
check "worker's session is idle after the cancel (not waiting, not in a transaction)" "states: $worker_state" \
    bash -c '[[ "$1" != *"idle in transaction"* && "$1" != *"active"* ]]' _ "$worker_state"

release_lock
lock_gone() { ! lock_held; }
check "lock released" "psql still holds it" lock_gone

t0="$(date +%s%N)"
http GET "$url/api/v1/items/"
ms=$((($(date +%s%N) - t0) / 1000000))
check_status "after the lock: items list 200 on the same worker" 200
check_jq "after the lock: a page of items" '.items | type == "array"'
info "answered in $ms ms"
check_eq "the worker was not replaced" "$worker_before" "$(pool_workers "$pool_master" | tr '\n' ' ')"
backend_after="$(psql_stack -tAc "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'")"
check_eq "no extra PostgreSQL session (the worker kept its connection)" "$backend_before" "$backend_after"
check "pool log: the 504s were logged as warnings with status 504" "no such line in $pool_log" \
    grep -q '"status":"504"\|"status":504' "$pool_log"
check "pool log: no worker ended" "a worker ended" bash -c '! grep -q "Worker ended" "$1"' _ "$pool_log"
http GET "$url/status"
check_jq "status page: the blocked requests counted slow (SLOW_REQUEST_MILLISECONDS=500); the one worker busy with this request" \
    '(."slow requests" >= 2) and (."active processes" == 1) and (."idle processes" == 0)'
check "pool log: a 'Slow request' warning with the request's id" "no such line in $pool_log" \
    grep -q '"msg":"Slow request".*"request.id"' "$pool_log"

nginx_stop "$nginx_pidfile"
pool_stop "$pool_pidfile" TERM

# --- (b) the stream -----------------------------------------------------------------------
# Every line stamped with the time it arrived (curl -N: no buffering on the client side).
stream_out="$CHECK_TMP/stream.out"
stream_headers="$CHECK_TMP/stream.headers"
t0="$(date +%s%N)"
curl -sS -N -m 10 -D "$stream_headers" "$STACK_URL/api/v1/stream" 2>"$CHECK_TMP/stream.err" |
    while IFS= read -r line; do printf '%s %s\n' "$(($(date +%s%N) - t0))" "$line"; done >"$stream_out" || true
HTTP_HEADERS="$stream_headers"
check_eq "stream: 200" 200 "$(head -n 1 "$stream_headers" | awk '{print $2}')"
check_eq "stream: Content-Type text/event-stream" "text/event-stream; charset=utf-8" "$(header Content-Type)"
check_eq "stream: no Content-Length" "" "$(header Content-Length)"
check_eq "stream: chunked through nginx" chunked "$(header Transfer-Encoding)"
check_eq "stream: X-Accel-Buffering consumed by nginx" "" "$(header X-Accel-Buffering)"
events="$(awk '$2 == "data:"' "$stream_out" | cut -d' ' -f2-)"
expected="$(for i in 0 1 2 3 4 5 6 7 8 9; do printf 'data: {"chunk": %s}\n' "$i"; done)"
check_eq "stream: the seed's ten events, in order" "$expected" "$events"
check_eq "stream: events separated by blank lines" 10 "$(awk 'NF == 1' "$stream_out" | grep -c . || true)"
first_ns="$(awk '$2 == "data:" {print $1; exit}' "$stream_out")"
last_ns="$(awk '$2 == "data:" {t = $1} END {print t}' "$stream_out")"
info "stream: first event after $((${first_ns:-0} / 1000)) µs, last after $((${last_ns:-0} / 1000)) µs (the seed pauses nowhere)"

# Directly on the pool's socket: one FastCGI STDOUT record per flush. A buffered body would
# arrive as one record; the head and each event arrive as their own.
records="$(python3 - "$STACK_SOCKET" <<'PY'
import socket, struct, sys
def record(kind, content=b""):
    pad = (8 - len(content) % 8) % 8
    return struct.pack(">BBHHBB", 1, kind, 1, len(content), pad, 0) + content + b"\0" * pad
def pair(name, value):
    n, v = name.encode(), value.encode()
    return bytes([len(n), len(v)]) + n + v
params = b"".join(pair(k, v) for k, v in [("REQUEST_METHOD", "GET"), ("REQUEST_URI", "/api/v1/stream"),
    ("SCRIPT_NAME", "/api/v1/stream"), ("QUERY_STRING", ""), ("REMOTE_ADDR", "127.0.0.1"),
    ("SERVER_PROTOCOL", "HTTP/1.1")])
s = socket.socket(socket.AF_UNIX)
s.settimeout(10)
s.connect(sys.argv[1])
s.sendall(record(1, struct.pack(">HB5x", 1, 0)) + record(4, params) + record(4) + record(5))
data = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    data += chunk
pos, out = 0, []
while pos + 8 <= len(data):
    _, kind, _, length, pad, _ = struct.unpack(">BBHHBB", data[pos:pos + 8])
    content = data[pos + 8:pos + 8 + length]
    pos += 8 + length + pad
    if kind == 6 and content:
        out.append(content)
    if kind == 3:
        break
print(len(out))
print(sum(1 for c in out if c.startswith(b"data: ")))
PY
)" || records=""
read -r -d '' total data_records <<<"$records" || true
info "stream over FastCGI: ${total:-?} STDOUT records, ${data_records:-?} of them events"
check_eq "stream: each event flushed as its own FastCGI record" 10 "${data_records:-}"
check_eq "stream: head + 10 event records, nothing buffered together" 11 "${total:-}"

finish
