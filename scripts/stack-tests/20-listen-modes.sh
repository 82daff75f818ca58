#!/usr/bin/env bash
# The three ways a pool gets its socket: inherited on fd 0 from spawn-fcgi (the main stack),
# bound by the master on a unix path (--listen PATH), and on loopback TCP (--listen
# 127.0.0.1:PORT), and on TCP a peer FCGI_WEB_SERVER_ADDRS does not name refused. The standalone
# pools are queried with cgi-fcgi and stopped again.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
trap 'pool_stop "$STACK_RUN/listen-unix.pid"; pool_stop "$STACK_RUN/listen-tcp.pid"; pool_stop "$STACK_RUN/listen-trust.pid"; check_cleanup' EXIT

# 1. spawn-fcgi: the master's fd 0 is the listening socket spawn-fcgi bound.
master="$(read_pidfile "$STACK_POOL_PIDFILE")"
check "spawn-fcgi pool: master runs" "no live pid in $STACK_POOL_PIDFILE" pid_alive "$master"
check_eq "spawn-fcgi pool: master is named fcgiapp-master" fcgiapp-master "$(pid_comm "$master")"
fd0="$(readlink "/proc/$master/fd/0" 2>/dev/null || true)"
check "spawn-fcgi pool: fd 0 is a socket" "fd 0 is '$fd0'" bash -c '[[ "$1" == socket:* ]]' _ "$fd0"
check_eq "spawn-fcgi pool: $WORKERS workers" "$WORKERS" "$(worker_count "$master")"
names="$(for w in $(pool_workers "$master"); do pid_comm "$w"; done | sort -u | tr '\n' ' ')"
check_eq "spawn-fcgi pool: workers are named fcgiapp-worker" "fcgiapp-worker " "$names"
out="$(fcgi_get "$STACK_SOCKET" /health)"
check "spawn-fcgi pool: /health over FastCGI directly (cgi-fcgi)" "got: $(shorten "$out")" \
    grep -q '"status":"ok"' <<<"$out"

# 2. standalone on a unix socket, with an explicit mode.
sock="$TEST_TMP/listen-unix.sock"
LOG_FILE="$STACK_LOGS/listen-unix.log" \
    pool_start_standalone "$sock" "$STACK_RUN/listen-unix.pid" "$STACK_LOGS/listen-unix.log" \
    --workers 2 --socket-mode 0600
upid="$(read_pidfile "$STACK_RUN/listen-unix.pid")"
check "--listen $sock: socket exists" "no socket" test -S "$sock"
check_eq "--listen unix: --socket-mode 0600 applied" 600 "$(stat -c %a "$sock" 2>/dev/null || true)"
wait_until 3000 bash -c '[[ "$(pgrep -P "$1" | grep -c .)" == 2 ]]' _ "$upid" || true
check_eq "--listen unix: 2 workers (--workers 2)" 2 "$(worker_count "$upid")"
out="$(fcgi_get "$sock" /health)"
check "--listen unix: /health answers over FastCGI" "got: $(shorten "$out")" \
    grep -q '"status":"ok","version"' <<<"$out"
out="$(fcgi_get "$sock" /health/ready)"
check "--listen unix: /health/ready answers ok" "got: $(shorten "$out")" \
    grep -q '"database":"ok"' <<<"$out"
out="$(fcgi_get "$sock" "/api/v1/items/$TEST_ITEM1_ID")"
check "--listen unix: item $TEST_ITEM1_ID over FastCGI" "got: $(shorten "$out")" \
    grep -q '"Stack widget alpha"' <<<"$out"
workers="$(pool_workers "$upid")"
pool_stop "$STACK_RUN/listen-unix.pid" TERM
check "--listen unix: master gone after SIGTERM" "pid $upid alive" bash -c '! kill -0 "$1" 2>/dev/null' _ "$upid"
left=""; for w in $workers; do pid_alive "$w" && left+="$w "; done
check_eq "--listen unix: no worker left" "" "$left"

# 3. standalone on loopback TCP (FCGI_WEB_SERVER_ADDRS unset: loopback peers only).
port="$(free_port $((STACK_PORT + 20)))"
LOG_FILE="$STACK_LOGS/listen-tcp.log" \
    pool_start_standalone "127.0.0.1:$port" "$STACK_RUN/listen-tcp.pid" "$STACK_LOGS/listen-tcp.log" --workers 2
tpid="$(read_pidfile "$STACK_RUN/listen-tcp.pid")"
bound="$(ss -Hltn "sport = :$port" 2>/dev/null | awk '{print $4}' | tr '\n' ' ')"
check_eq "--listen 127.0.0.1:$port: bound to loopback only" "127.0.0.1:$port " "$bound"
out="$(fcgi_get "127.0.0.1:$port" /health)"
check "--listen 127.0.0.1:$port: /health answers over FastCGI" "got: $(shorten "$out")" \
    grep -q '"status":"ok","version"' <<<"$out"
out="$(fcgi_get "127.0.0.1:$port" /no-such-path)"
check "--listen 127.0.0.1:$port: unknown path gives 404 JSON" "got: $(shorten "$out")" \
    grep -q 'Not Found' <<<"$out"
workers="$(pool_workers "$tpid")"
pool_stop "$STACK_RUN/listen-tcp.pid" TERM
check "--listen tcp: master gone after SIGTERM" "pid $tpid alive" bash -c '! kill -0 "$1" 2>/dev/null' _ "$tpid"
left=""; for w in $workers; do pid_alive "$w" && left+="$w "; done
check_eq "--listen tcp: no worker left" "" "$left"
check "--listen tcp: port closed after stop" "still listening" bash -c '! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null' _ "$port"

# 4. On TCP the pool answers only the web servers in FCGI_WEB_SERVER_ADDRS: another peer's
#    connection is closed unread, and logged with its address (scripts/scaleout does the same
#    across network namespaces).
port="$(free_port $((port + 1)))"
trust_log="$STACK_LOGS/listen-trust.log"
FCGI_WEB_SERVER_ADDRS=127.0.0.2 LOG_FILE="$trust_log" \
    pool_start_standalone "127.0.0.1:$port" "$STACK_RUN/listen-trust.pid" "$trust_log" --workers 1
# cgi-fcgi fails (the connection is reset): that is the point.
out="$(fcgi_get "127.0.0.1:$port" /health || true)"
check "FCGI_WEB_SERVER_ADDRS=127.0.0.2: a request from 127.0.0.1 gets no answer" "got: $(shorten "$out")" \
    bash -c '! grep -q "\"status\"" <<<"$1"' _ "$out"
refusal_logged() {
    jq -e 'select(.msg == "FastCGI connection refused" and .peer == "127.0.0.1" and .trusted == "127.0.0.2")' \
        "$trust_log" >/dev/null 2>&1
}
check "… and the refusal is logged with the peer's address" "no such line in $trust_log" wait_until 3000 refusal_logged
pool_stop "$STACK_RUN/listen-trust.pid" TERM

finish
