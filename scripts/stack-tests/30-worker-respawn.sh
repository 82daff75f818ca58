#!/usr/bin/env bash
# kill -9 of one worker under load: the master replaces it within a second.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
trap 'check_cleanup' EXIT

master="$(read_pidfile "$STACK_POOL_PIDFILE")"
before="$(pool_workers "$master" | sort -n | tr '\n' ' ')"
check_eq "before: $WORKERS workers" "$WORKERS" "$(wc -w <<<"$before" | tr -d ' ')"
victim="${before%% *}"
log="${LOG_FILE:-$STACK_POOL_LOG}"

# The status page (php-fpm's JSON shape) shows the same pool.
http GET "$STACK_URL/status?json&full"
check_status "status page from this host: 200" 200
check_jq "status: $WORKERS processes, the pool's pids, php-fpm's fields" \
    "(.\"total processes\" == $WORKERS) and (.\"process manager\" == \"static\") and
     ([.processes[].pid] | sort) == ($(tr ' ' '\n' <<<"$before" | grep . | jq -s -c 'sort'))"
exits_before="$(jq '."worker exits"' <<<"$HTTP_BODY" 2>/dev/null || echo -1)"
accepted_before="$(jq '."accepted conn"' <<<"$HTTP_BODY" 2>/dev/null || echo 0)"
offset="$(stat -c %s "$log" 2>/dev/null || echo 0)"
err_offset="$(stat -c %s "$STACK_POOL_STDERR" 2>/dev/null || echo 0)"

# Bounded load: wrk for 3 s on 8 connections.
wrk -t1 -c8 -d3s "$STACK_URL/health" >"$TEST_TMP/wrk-respawn.out" 2>&1 &
wrk_pid=$!
sleep 0.5
kill -9 "$victim"
killed_at="$(date +%s%N)"

respawned() {
    local now
    pid_alive "$victim" && return 1
    now="$(pool_workers "$master" | sort -n | tr '\n' ' ')"
    [[ "$(wc -w <<<"$now")" -eq "$WORKERS" ]] || return 1
    # A pid that was not there before.
    comm -13 <(tr ' ' '\n' <<<"$before" | grep . | sort) <(tr ' ' '\n' <<<"$now" | grep . | sort) | grep -q .
}
if wait_until 1000 respawned; then
    ok "a new worker replaced $victim within 1 s ($(( ($(date +%s%N) - killed_at) / 1000000 )) ms)"
else
    fail "a new worker replaced $victim within 1 s" "workers now: $(pool_workers "$master" | tr '\n' ' ')"
fi
check_eq "after: $WORKERS workers" "$WORKERS" "$(worker_count "$master")"
check "master survived" "master $master gone" pid_alive "$master"

wait "$wrk_pid" || true
reqs="$(awk '/requests in/ {print $1}' "$TEST_TMP/wrk-respawn.out")"
check "load went on (wrk completed requests)" "wrk said: $(shorten "$(cat "$TEST_TMP/wrk-respawn.out")")" \
    test "${reqs:-0}" -gt 0
info "wrk: ${reqs:-0} requests; $(grep -E 'Non-2xx|Socket errors' "$TEST_TMP/wrk-respawn.out" | tr '\n' ' ')"

sleep 0.2
new_lines="$(tail -c +$((offset + 1)) "$log" 2>/dev/null; tail -c +$((err_offset + 1)) "$STACK_POOL_STDERR" 2>/dev/null)"
# A line about the worker, not one of its request lines: names its pid and how it ended.
death="$(grep -v '"msg":"Request"' <<<"$new_lines" | grep -E "\b$victim\b" |
    grep -Ei 'signal|kill|died|dead|ended|exit' | head -n 1 || true)"
check "the log mentions the death of worker $victim" "no line about $victim after the kill in $log" \
    test -n "$death"
info "log: $death"

http GET "$STACK_URL/health"
check_status "still serving after the respawn" 200

http GET "$STACK_URL/status?full"
check_jq "status after the kill: one more worker exit, $WORKERS processes, none of them $victim" \
    "(.\"worker exits\" == $((exits_before + 1))) and (.\"total processes\" == $WORKERS) and
     ([.processes[].pid] | index($victim) == null)"
check_jq "status after the kill: the load's requests were counted" \
    "(.\"accepted conn\" - $accepted_before) >= ${reqs:-1}"

finish
