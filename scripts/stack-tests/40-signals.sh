#!/usr/bin/env bash
# Stopping a pool: SIGQUIT (graceful) and SIGTERM (now) leave no process behind; SIGUSR2
# reloads the workers without losing a request, and a storm of SIGUSR1 (log reopening) loses
# none either; a missing SECRET_KEY stops start-up with one clear line.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
trap 'pool_stop "$STACK_RUN/signal-pool.pid"; check_cleanup' EXIT

# stop_with SIGNAL: start a standalone pool, send SIGNAL to the master, check nothing is left.
stop_with() {
    local sig="$1" sock="$TEST_TMP/signal-$1.sock" pid workers left="" rc=0 t0
    LOG_FILE="$STACK_LOGS/signal-$sig.log" \
        pool_start_standalone "$sock" "$STACK_RUN/signal-pool.pid" "$STACK_LOGS/signal-$sig.log" --workers 3
    pid="$(read_pidfile "$STACK_RUN/signal-pool.pid")"
    wait_until 3000 bash -c '[[ "$(pgrep -P "$1" | grep -c .)" == 3 ]]' _ "$pid" || true
    workers="$(pool_workers "$pid")"
    check_eq "SIG$sig: 3 workers up first" 3 "$(wc -w <<<"$workers" | tr -d ' ')"
    # One request first, so that the workers are past their start-up.
    grep -q '"status":"ok"' <<<"$(fcgi_get "$sock" /health)" || info "SIG$sig: /health did not answer before the signal"
    t0=$SECONDS
    kill -s "$sig" "$pid"
    if wait_until 10000 bash -c '! kill -0 "$1" 2>/dev/null || grep -q "^State:.*Z" "/proc/$1/status"' _ "$pid"; then
        wait "$pid" 2>/dev/null || rc=$?
        ok "SIG$sig: master exited ($((SECONDS - t0)) s, exit status $rc)"
    else
        fail "SIG$sig: master exited" "still running 10 s after SIG$sig"
    fi
    sleep 0.3
    for w in $workers; do pid_alive "$w" && left+="$w "; done
    check_eq "SIG$sig: all workers gone" "" "$left"
    left="$(pgrep -P "$pid" 2>/dev/null | tr '\n' ' ' || true)"
    check_eq "SIG$sig: no child process left" "" "$left"
    info "SIG$sig log: $(tail -n 3 "$STACK_LOGS/signal-$sig.log" | tr '\n' ' ' | cut -c1-400)"
    pool_stop "$STACK_RUN/signal-pool.pid"
}

stop_with QUIT
stop_with TERM

# SIGUSR2 on the main stack, under load through nginx: a new generation of workers takes over,
# the old one finishes the request in hand; no request fails.
master="$(read_pidfile "$STACK_POOL_PIDFILE")"
old_workers="$(pool_workers "$master" | sort -n | tr '\n' ' ')"
wrk -t1 -c8 -d3s "$STACK_URL/health" >"$TEST_TMP/wrk-reload.out" 2>&1 &
wrk_pid=$!
sleep 0.5
kill -USR2 "$master"
check "SIGUSR2: $WORKERS new workers, none of the old ones, within 5 s" \
    "workers now: $(pool_workers "$master" | tr '\n' ' '), before: $old_workers" wait_until 5000 pool_renewed "$master" "$old_workers"
check "SIGUSR2: the master stayed" "master $master gone" pid_alive "$master"
wait "$wrk_pid" || true
info "wrk during the reload: $(wrk_summary "$TEST_TMP/wrk-reload.out")"
check "SIGUSR2 under load: every request answered 2xx, no socket error" \
    "wrk said: $(shorten "$(cat "$TEST_TMP/wrk-reload.out")")" \
    wrk_clean "$TEST_TMP/wrk-reload.out"

# SIGUSR1 (log reopening after a rotation) to every worker, many times, under load: a signal
# that lands between a worker's accept and its first read must not drop the connection (libfcgi's
# own accept waits for the connection with select(), which any signal interrupts, and then
# closes it: nginx would answer 502; the workers accept unix connections themselves).
wrk -t2 -c16 -d4s "$STACK_URL/health" >"$TEST_TMP/wrk-usr1.out" 2>&1 &
wrk_pid=$!
sleep 0.3
storm_end=$((SECONDS + 3))
signals_sent=0
while ((SECONDS < storm_end)); do
    for w in $(pool_workers "$master"); do kill -USR1 "$w" 2>/dev/null && signals_sent=$((signals_sent + 1)); done
    kill -USR1 "$master" 2>/dev/null || true
    sleep 0.005
done
wait "$wrk_pid" || true
info "SIGUSR1 storm: $signals_sent signals to workers; wrk: $(wrk_summary "$TEST_TMP/wrk-usr1.out")"
check "SIGUSR1 storm under load: every request answered 2xx, no socket error" \
    "wrk said: $(shorten "$(cat "$TEST_TMP/wrk-usr1.out")")" \
    wrk_clean "$TEST_TMP/wrk-usr1.out"
check "SIGUSR1 storm: no worker ended" "workers now: $(pool_workers "$master" | tr '\n' ' ')" \
    test "$(pool_workers "$master" | grep -c .)" -eq "$WORKERS"

# Missing SECRET_KEY: run from an empty folder, so that no .env can provide one.
empty="$TEST_TMP/no-secret"
mkdir -p "$empty"
rc=0
(cd "$empty" && exec env -u SECRET_KEY -u LOG_FILE timeout 10 "$FCGIAPP_BIN" serve \
    --listen "$empty/s.sock" --workers 1) >"$empty/out" 2>"$empty/err" || rc=$?
check "no SECRET_KEY: serve exits non-zero" "exit status $rc" test "$rc" -ne 0 -a "$rc" -ne 124
lines="$(grep -c . "$empty/err" || true)"
check_eq "no SECRET_KEY: exactly one line on stderr" 1 "$lines"
check "no SECRET_KEY: the line names SECRET_KEY" "stderr: $(shorten "$(cat "$empty/err")")" \
    grep -q SECRET_KEY "$empty/err"
info "stderr: $(head -c 300 "$empty/err")"

finish
