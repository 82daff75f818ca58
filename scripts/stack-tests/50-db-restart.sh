#!/usr/bin/env bash
# PostgreSQL goes away and comes back: readiness says 503 meanwhile, and the pool recovers
# without a restart.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# Whatever happens, the database is up again for the next tests.
trap 'pg_cluster_running "$STACK_PG_DIR" || pg_cluster_start "$STACK_PG_DIR" "$STACK_PG_PORT" >/dev/null; check_cleanup' EXIT

master="$(read_pidfile "$STACK_POOL_PIDFILE")"
workers_before="$(pool_workers "$master" | sort -n | tr '\n' ' ')"

pg_cluster_stop "$STACK_PG_DIR" fast 2>/dev/null
if pg_cluster_running "$STACK_PG_DIR"; then fail "PostgreSQL stopped" "still running"; else ok "PostgreSQL stopped"; fi

http GET "$STACK_URL/health/ready"
check_status "database down: /health/ready 503" 503
check_jq "database down: JSON body with detail" '.detail | type == "string" and length > 0'
check_eq "database down: Content-Type application/json" application/json "$(header Content-Type | cut -d';' -f1)"
http GET "$STACK_URL/health"
check_status "database down: /health (liveness) still 200" 200
http GET "$STACK_URL/api/v1/items/"
info "database down: /api/v1/items/ answered $HTTP_STATUS $(shorten "$HTTP_BODY")"
check "database down: /api/v1/items/ answers JSON, not a hang" "status $HTTP_STATUS" \
    jq -e . <<<"$HTTP_BODY" >/dev/null

pg_cluster_start "$STACK_PG_DIR" "$STACK_PG_PORT" 2>/dev/null
t0="$(date +%s%N)"
ready() { curl -fsS -m 2 -o /dev/null "$STACK_URL/health/ready" 2>/dev/null; }
if wait_until 5000 ready; then
    ok "database back: /health/ready 200 after $(( ($(date +%s%N) - t0) / 1000000 )) ms"
else
    http GET "$STACK_URL/health/ready"
    fail "database back: /health/ready 200 within 5 s" "got $HTTP_STATUS $(shorten "$HTTP_BODY")"
fi

# Every worker holds its own connection, broken by the restart. Within a few seconds the
# items list must answer 200 again for two full rounds of the pool in a row; answers other
# than 200 on the way there are reported (a worker that reconnects and retries shows none).
bad=0 streak=0 need=$((WORKERS * 2)) deadline=$((SECONDS + 5)) last=""
while ((streak < need && SECONDS < deadline)); do
    http GET "$STACK_URL/api/v1/items/"
    if [[ "$HTTP_STATUS" == 200 ]]; then
        streak=$((streak + 1))
    else
        streak=0 bad=$((bad + 1)) last="$HTTP_STATUS $(shorten "$HTTP_BODY")"
    fi
done
check "database back: /api/v1/items/ 200 for $need requests in a row within 5 s" \
    "only $streak in a row; last other answer: $last" test "$streak" -ge "$need"
info "database back: $bad answer(s) other than 200 before that${last:+ (last: $last)}"
http GET "$STACK_URL/api/v1/items/$TEST_ITEM1_ID"
check_status "database back: item $TEST_ITEM1_ID 200" 200
check_eq "the pool was not restarted (same workers)" "$workers_before" \
    "$(pool_workers "$master" | sort -n | tr '\n' ' ')"

finish
