#!/usr/bin/env bash
# Connections nginx keeps open to the API pool (fastcgi_keep_conn on, keepalive in its upstream):
# many more clients than workers are all answered (no worker is pinned to an idle connection:
# the trap of FIELD-NOTES, where the requests on new connections waited in the backlog), the
# connections are reused and let go once nginx closes them, and a reload under a load of POSTs,
# which nginx never sends twice, fails none of them: a stopping worker never closes a kept
# connection under nginx's feet.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
trap 'check_cleanup' EXIT

# Open connections to the pool's socket (each counted once: the accepted end names the path).
pool_connections() { ss -xH 2>/dev/null | awk -v s="$STACK_SOCKET" '$5 == s' | wc -l; }
no_pool_connections() { (($(pool_connections) == 0)); }

# 0. At the socket, as nginx would: every worker holds an idle kept connection, and a request on a
# new one is still answered.
run_cases kept_connection_cases.py python3 "$(dirname "$0")/kept_connection_cases.py" "$STACK_SOCKET" "$WORKERS"

# 1. Eight times as many clients as workers, on /health and a database read at once.
clients=$((WORKERS * 8))
wrk -t2 -c"$clients" -d4s --latency "$STACK_URL/health" >"$TEST_TMP/wrk-many.out" 2>&1 &
many=$!
wrk -t1 -c"$clients" -d4s --latency "$STACK_URL/health/ready" >"$TEST_TMP/wrk-many-ready.out" 2>&1 &
many_ready=$!
wait "$many" "$many_ready" || true
# Counted at once: with a connection per request, none would be left open now.
after_load="$(pool_connections)"
for out in wrk-many wrk-many-ready; do
    check "$clients clients on $WORKERS workers ($out): every request answered 2xx, no socket error or timeout" \
        "wrk said: $(shorten "$(cat "$TEST_TMP/$out.out")")" wrk_clean "$TEST_TMP/$out.out"
    wrk_read "$TEST_TMP/$out.out"
    info "$out: $WRK_REQUESTS requests, p99 $WRK_P99 ms"
    check "… and p99 under a second ($WRK_P99 ms; a pinned pool waits for nginx's keepalive_timeout)" \
        "p99 $WRK_P99 ms" awk -v p="$WRK_P99" 'BEGIN { exit !(p < 1000) }'
done

# 2. Kept between requests, then closed by nginx after keepalive_timeout (2 s) idle, and let go
# by the workers (a worker that kept its end open would still be listed).
check "connections stay open between requests ($after_load right after the load)" "none" test "$after_load" -gt 0
check "nginx closed the idle ones after keepalive_timeout and the workers let go" \
    "$(pool_connections) still open" wait_until 5000 no_pool_connections
http GET "$STACK_URL/health"
check_status "and a request after that: 200" 200

# 3. A reload (SIGUSR2) under a load of POSTs on kept connections: none fails, the old workers go.
name="kept$RANDOM$RANDOM"
password='Kept-Conn-1'
http POST "$STACK_URL/api/v1/auth/register" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$name\",\"email\":\"$name@example.com\",\"password\":\"$password\",\"password_confirm\":\"$password\"}"
http POST "$STACK_URL/api/v1/auth/token" --data-urlencode "username=$name@example.com" --data-urlencode "password=$password"
check_status "login for the POST load: 200" 200
token="$(jq -r .access_token <<<"$HTTP_BODY" 2>/dev/null || true)"
wrk_lua "$TEST_TMP/post.lua" POST application/json '{"title":"kept","description":"reload","price":1}'
master="$(read_pidfile "$STACK_POOL_PIDFILE")"
for round in 1 2; do
    old_workers="$(pool_workers "$master" | sort -n | tr '\n' ' ')"
    wrk -t2 -c16 -d4s -s "$TEST_TMP/post.lua" -H "Authorization: Bearer $token" "$STACK_URL/api/v1/items/" >"$TEST_TMP/wrk-post-$round.out" 2>&1 &
    load=$!
    sleep 1
    kill -USR2 "$master"
    check "reload $round under POSTs: $WORKERS new workers, the old ones gone within 5 s" \
        "workers now: $(pool_workers "$master" | tr '\n' ' '), before: $old_workers" wait_until 5000 pool_renewed "$master" "$old_workers"
    wait "$load" || true
    info "reload $round: $(wrk_summary "$TEST_TMP/wrk-post-$round.out")"
    check "reload $round under POSTs: every POST answered 2xx, no socket error" \
        "wrk said: $(shorten "$(cat "$TEST_TMP/wrk-post-$round.out")")" wrk_clean "$TEST_TMP/wrk-post-$round.out"
done

finish
