#!/usr/bin/env bash
# The rotation drill, on an installed rehearsal stack (rehearsal-lib.sh): logrotate, with the
# installed /etc/logrotate.d file and a state file of its own, rotates every log while requests
# flow and a job run delivers mail. Then we count: every tagged request is logged exactly once
# (the pool's log and nginx's access log, rotated file + new file), requests sent after the
# rotation are all in the new files, each process's lines in the rotated file precede its lines
# in the new one, every process writes to the new file (its fd 2), and the job run that was in
# progress logged each job once, the later ones into the new file.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../lib/packages.sh
. "$stack_tests_dir/../lib/packages.sh"
# shellcheck source=rehearsal-lib.sh
. "$stack_tests_dir/rehearsal-lib.sh"

ensure_packages logrotate >/dev/null
dir="$TEST_TMP/rotation-95"
mkdir -p "$dir"
rehearsal_setup rotate || { finish; exit 1; }
rehearsal_up || { finish; exit 1; }
pool_log="$LOGDIR/pool-api.log"
access_log="$LOGDIR/nginx/access.log"
master="$(rehearsal_mainpid fcgiapp-pool@api.service)"

# tagged_requests PREFIX COUNT: COUNT sequential requests, each tagged PREFIX-N in its request id
# (the pool's log line; 8 characters at least, or the app makes its own) and its query (nginx's
# access log line).
tagged_requests() {
    local prefix="$1" count="$2" i
    for ((i = 1; i <= count; i++)); do
        curl -sk -o /dev/null -H "X-Request-ID: $prefix-$i" "$REHEARSAL_URL/health?tag=$prefix-$i" || true
    done
}

# A job run in progress during the rotation: mail jobs queued straight into the database.
jobs_queued=4000
pg_psql "$REHEARSAL_PG_DIR" "$REHEARSAL_PG_PORT" app -qc "INSERT INTO jobs (kind, payload)
    SELECT 'mail', jsonb_build_object('to', 'rot' || g || '@example.com', 'subject', 'rotation ' || g, 'body', 'drill')
    FROM generate_series(1, $jobs_queued) g"
rehearsal_exec fcgiapp-jobs.service "$(unit_value "$UNITDIR/fcgiapp-jobs.service" ExecStart)" background
runner=$REPLY
printf '%s\n' "$runner" >"$STACK_RUN/jobs-rehearsal-rotate-run.pid"

# Load: wrk on the API, and four clients sending tagged requests, while logrotate runs.
wrk -t2 -c16 -d6s "$REHEARSAL_URL/health" >"$dir/wrk.out" 2>&1 &
wrk_pid=$!
tagger_pids=()
for c in 1 2 3 4; do
    tagged_requests "rotation-A$c" 150 &
    tagger_pids+=($!)
done
wait_until 10000 grep -qs '"Job succeeded"' "$LOGDIR/jobs.log" || true
sleep 1
runner_busy=0
pid_alive "$runner" && runner_busy=1
if logrotate -s "$dir/logrotate.state" -f "$SYSCONFDIR/logrotate.d/fcgiapp" >"$dir/logrotate.out" 2>&1; then
    ok "logrotate -f with the installed configuration (its own state file)"
else
    fail "logrotate -f with the installed configuration" "$(shorten "$(cat "$dir/logrotate.out")")"
fi
wait "${tagger_pids[@]}"
wait "$wrk_pid" || true
wait_pid_gone "$runner" 120 || fail "the job run ends" "still running after 120 s"
info "load during the rotation: $(grep -E 'requests in' "$dir/wrk.out" | sed 's/^ *//')"

for f in "$pool_log.1" "$LOGDIR/chat-1.log.1" "$LOGDIR/chat-2.log.1" "$LOGDIR/jobs.log.1" "$access_log.1"; do
    check "rotated: ${f#"$LOGDIR"/}" "missing" test -e "$f"
done

# After the rotation: more tagged requests, which must all be in the new files.
tagged_requests rotation-B 100
# Each process's fd 2 is the new file (not "pool-api.log.1").
for pid in "$master" $(pool_workers "$master"); do
    check_eq "pool process $pid writes to the new log file" "$pool_log" "$(readlink "/proc/$pid/fd/2")"
done
for i in 1 2; do
    pid="$(rehearsal_mainpid "fcgiapp-chat@$i.service")"
    check_eq "chat daemon $i writes to the new log file" "$LOGDIR/chat-$i.log" "$(readlink "/proc/$pid/fd/2")"
    check "chat daemon $i logged the reopen into the new file" "no 'Log file reopened' in chat-$i.log" \
        grep -q '"Log file reopened"' "$LOGDIR/chat-$i.log"
done
check "the pool's master logged the reopen into the new file" "not in pool-api.log" grep -q '"Log file reopened"' "$pool_log"

# pool_tags FILE...: the tagged request ids of the pool's request lines; access_tags: nginx's.
pool_tags() { cat "$@" 2>/dev/null | jq -rR 'fromjson? | select(.msg == "Request") | .["request.id"] // empty' | grep -E '^rotation-[AB]' || true; }
# nginx's access log is buffered: a graceful stop flushes it.
rehearsal_stop fcgiapp-nginx.service
access_tags() { cat "$@" 2>/dev/null | grep -oE 'tag=rotation-[AB][0-9]*-[0-9]+' | cut -d= -f2 || true; }

# tag_diff EXPECTED GOT: empty when both lists hold the same tags the same number of times, else
# which are missing and which came more than once.
tag_diff() {
    local missing extra
    missing="$(comm -23 <(sort <<<"$1") <(sort <<<"$2") | head -5 | tr '\n' ' ')"
    extra="$(comm -13 <(sort <<<"$1") <(sort <<<"$2") | head -5 | tr '\n' ' ')"
    [[ -z "$missing$extra" ]] || printf 'missing: %s(%s in all) extra or repeated: %s(%s in all)' "$missing" \
        "$(comm -23 <(sort <<<"$1") <(sort <<<"$2") | grep -c . || true)" "$extra" \
        "$(comm -13 <(sort <<<"$1") <(sort <<<"$2") | grep -c . || true)"
}

expected_a="$(for c in 1 2 3 4; do for ((i = 1; i <= 150; i++)); do echo "rotation-A$c-$i"; done; done)"
expected_b="$(for ((i = 1; i <= 100; i++)); do echo "rotation-B-$i"; done)"
check_eq "pool log: each of the 600 requests during the rotation logged exactly once (old + new file)" "" \
    "$(tag_diff "$expected_a" "$(pool_tags "$pool_log.1" "$pool_log" | grep '^rotation-A' || true)")"
check_eq "pool log: each of the 100 requests after it logged once, in the new file" "" \
    "$(tag_diff "$expected_b" "$(pool_tags "$pool_log" | grep '^rotation-B' || true)")"
check_eq "pool log: none of them in the rotated file" "" "$(pool_tags "$pool_log.1" | grep '^rotation-B' || true)"
info "pool log: $(pool_tags "$pool_log.1" | grep -c '^rotation-A' || true) of the 600 in the rotated file, the rest in the new one"
check_eq "nginx access log: each request during the rotation logged exactly once" "" \
    "$(tag_diff "$expected_a" "$(access_tags "$access_log.1" "$access_log" | grep '^rotation-A' || true)")"
check_eq "nginx access log: those after it, in the new file" "" \
    "$(tag_diff "$expected_b" "$(access_tags "$access_log" | grep '^rotation-B' || true)")"

# Per process: its last line in the rotated file is not later than its first in the new one.
jq -cR 'fromjson? // empty' "$pool_log.1" >"$dir/old.jsonl"
jq -cR 'fromjson? // empty' "$pool_log" >"$dir/new.jsonl"
late="$(jq -rs --slurpfile new "$dir/new.jsonl" '
    (map({key: (.pid | tostring), value: .ts}) | group_by(.key) | map({key: .[0].key, value: (map(.value) | max)}) | from_entries) as $old
    | ($new | group_by(.pid) | map({key: (.[0].pid | tostring), value: (map(.ts) | min)}) | from_entries) as $first
    | [$old | to_entries[] | select($first[.key] != null and .value > $first[.key]) | .key] | join(" ")' "$dir/old.jsonl")"
check_eq "pool log: no process wrote into the rotated file after its first line in the new one" "" "$late"

# The job run in progress: every job logged once, and the run went on in the new file.
if ((runner_busy)); then
    jobs_ids="$(cat "$LOGDIR/jobs.log.1" "$LOGDIR/jobs.log" | jq -r 'select(.msg == "Job succeeded") | .["job.id"]' | sort -n)"
    check_eq "job run: $jobs_queued jobs, each logged once across both files" "$jobs_queued $jobs_queued" \
        "$(wc -l <<<"$jobs_ids" | tr -d ' ') $(uniq <<<"$jobs_ids" | wc -l | tr -d ' ')"
    check "job run: the run in progress went on writing into the new file" "no job lines in the new jobs.log" \
        grep -q '"Job succeeded"' "$LOGDIR/jobs.log"
    old_last="$(jq -r 'select(.msg == "Job succeeded") | .["job.id"]' "$LOGDIR/jobs.log.1" | sort -n | tail -1)"
    new_first="$(jq -r 'select(.msg == "Job succeeded") | .["job.id"]' "$LOGDIR/jobs.log" | sort -n | head -1)"
    check "job run: the jobs in the rotated file all came before those in the new one" \
        "last old job $old_last, first new $new_first" test "${old_last:-0}" -lt "${new_first:-0}"
else
    fail "job run in progress during the rotation" "it had finished before logrotate ran (raise jobs_queued)"
fi

finish
