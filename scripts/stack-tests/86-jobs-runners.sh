#!/usr/bin/env bash
# No mail lost, none sent twice, with several runners and a runner killed mid-batch. Against a
# real SMTP server (aiosmtpd) and a database of this test's own (jobs inserted with psql):
#   1. two runners started together (as on two hosts: each its own host lock) over 200 queued
#      mails deliver each exactly once (Message-IDs at the server), and every job succeeded;
#   2. a second `run once` with the same host lock exits at once while the first runs;
#   3. a runner killed with kill -9 in the middle of a batch (60 mails, slow server): the next run
#      leaves the killed runner's jobs alone until their deadline, then delivers them; in the
#      end all 60 arrived, none is lost, and at most the one mail in flight at the kill came
#      twice (SMTP cannot tell a mail accepted just before the kill from one never sent).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=mail-lib.sh
. "$stack_tests_dir/mail-lib.sh"

work="$TEST_TMP/jobs-runners"
mkdir -p "$work"
trap 'smtp_sink_stop "$STACK_RUN/smtp-race.pid"; smtp_sink_stop "$STACK_RUN/smtp-slow.pid"; check_cleanup' EXIT
started=$SECONDS

check "aiosmtpd installed" "pip install failed" smtp_ensure_venv
check "self-signed certificate" "openssl req failed" smtp_make_cert "$work"
check "SMTP server started" "see $work/race.log" smtp_sink_start race "$work"

RUNNER_DB=app_jobs_race
migrated_test_db "$RUNNER_DB" "$work/migrate.log"
RUNNER_DB_URL="$TEST_DB_URL"

# enqueue_mails N TAG: N mail jobs for tag-1@… … tag-N@…
enqueue_mails() {
    db_value "INSERT INTO jobs (kind, payload)
              SELECT 'mail', jsonb_build_object('to', '$2-' || g || '@example.com', 'subject', '$2 ' || g, 'body', 'メール ' || g)
              FROM generate_series(1, $1) AS g" >/dev/null
}

# start_runner NAME LOCKFILE [ENV...]: `run once` in the background; pid in $STACK_RUN/jobs-NAME.pid.
start_runner() {
    local name="$1" lock="$2"
    shift 2
    (cd "$TEST_DIR" && exec env -u LOG_FILE DATABASE_URL="$RUNNER_DB_URL" JOB_LOCK_FILE="$lock" JOB_BATCH_SIZE=10 "$@" \
        "$JOBRUNNER_BIN" run once) </dev/null >"$work/$name.log" 2>&1 &
    printf '%s\n' "$!" >"$STACK_RUN/jobs-$name.pid"
}

# --- 1. two runners, 200 mails -----------------------------------------------------------------
enqueue_mails 200 race
mail_url="smtp+starttls://$SMTP_USER:$(urlencode "$SMTP_PASSWORD")@127.0.0.1:$SINK_PORT?ca_file=$work/cert.pem"
t0=$(date +%s%N)
start_runner a "$work/host-a.lock" MAIL_URL="$mail_url"
start_runner b "$work/host-b.lock" MAIL_URL="$mail_url"
rc_a=0 rc_b=0
wait "$(read_pidfile "$STACK_RUN/jobs-a.pid")" || rc_a=$?
wait "$(read_pidfile "$STACK_RUN/jobs-b.pid")" || rc_b=$?
ms=$((($(date +%s%N) - t0) / 1000000))
rm -f "$STACK_RUN/jobs-a.pid" "$STACK_RUN/jobs-b.pid"
check_eq "two runners: both exit 0" "0 0" "$rc_a $rc_b"
check_eq "two runners: 200 mails arrived" 200 "$(sink_count)"
check_eq "two runners: 200 distinct Message-IDs (no mail twice)" 200 "$(sink_jq '[.[].message_id] | unique | length')"
check_eq "two runners: 200 distinct recipients" 200 "$(sink_jq '[.[].to[0]] | unique | length')"
check_eq "two runners: every job succeeded, each on its first attempt" "200 200" \
    "$(db_value "SELECT count(*) FILTER (WHERE state = 'succeeded') || ' ' || count(*) FILTER (WHERE attempts = 1) FROM jobs")"
share_a="$(grep -c '"Job succeeded"' "$work/a.log" || true)"
share_b="$(grep -c '"Job succeeded"' "$work/b.log" || true)"
check_eq "two runners: the work was shared (a $share_a + b $share_b = 200)" 200 "$((share_a + share_b))"
info "two runners: 200 mails in ${ms} ms over STARTTLS (runner a: $share_a, runner b: $share_b)"

# --- 2. the host lock ------------------------------------------------------------------------
smtp_sink_stop
check "slow SMTP server started (100 ms a mail)" "see $work/slow.log" smtp_sink_start slow "$work" --delay-ms 100
enqueue_mails 60 kill
start_runner killed "$work/host-k.lock" MAIL_URL="smtp://127.0.0.1:$SINK_PORT" JOB_TIMEOUT_SECONDS=10 JOB_BATCH_SIZE=30
wait_until 10000 bash -c '(( $(grep -c . "$1" 2>/dev/null || echo 0) >= 5 ))' _ "$SINK_OUT" || true
runner MAIL_URL="smtp://127.0.0.1:$SINK_PORT" JOB_LOCK_FILE="$work/host-k.lock" -- run once
check_eq "a second run on the same host lock: exits 0 at once" 0 "$RUNNER_RC"
check "… saying another runner holds the lock" "got: $(shorten "$RUNNER_OUT")" grep -q 'Another runner holds' <<<"$RUNNER_OUT"

# --- 3. kill -9 in the middle of a batch ------------------------------------------------------
killed_pid="$(read_pidfile "$STACK_RUN/jobs-killed.pid")"
check "the runner is busy with its batch" "not running" pid_alive "$killed_pid"
kill -9 "$killed_pid" 2>/dev/null || true
wait "$killed_pid" 2>/dev/null || true
rm -f "$STACK_RUN/jobs-killed.pid"
at_kill="$(sink_count)"
held="$(db_value "SELECT count(*) FROM jobs WHERE state = 'running'")"
info "killed after $at_kill mails; $held jobs left running (locked until their deadline)"
check "the killed runner left claimed jobs behind (running, with a deadline)" "none running" test "$held" -gt 0
runner MAIL_URL="smtp://127.0.0.1:$SINK_PORT" JOB_TIMEOUT_SECONDS=10 JOB_BATCH_SIZE=30 -- run once
check_eq "the next run (before the deadline) leaves the killed runner's jobs alone" "$held" \
    "$(db_value "SELECT count(*) FROM jobs WHERE state = 'running'")"
deadline_wait="$(db_value "SELECT ceil(greatest(0, extract(epoch FROM max(locked_until) - now()))) FROM jobs WHERE state = 'running'")"
sleep "$((${deadline_wait:-10} + 1))"
runner MAIL_URL="smtp://127.0.0.1:$SINK_PORT" JOB_TIMEOUT_SECONDS=10 JOB_BATCH_SIZE=30 -- run once
check_eq "after the deadline: the run took them back and exited 0" 0 "$RUNNER_RC"
check_eq "kill -9: every job succeeded in the end" 60 "$(db_value "SELECT count(*) FROM jobs WHERE state = 'succeeded' AND payload->>'to' LIKE 'kill-%'")"
check_eq "kill -9: all 60 mails arrived (none lost)" 60 "$(sink_jq '[.[].message_id] | unique | length')"
dupes="$(sink_jq 'length - ([.[].message_id] | unique | length)')"
check "kill -9: at most the one mail in flight came twice (got $dupes)" "$dupes duplicates" test "$dupes" -le 1
check_eq "the taken-back jobs ran a second attempt, with the deadline as their last error" "$held" \
    "$(db_value "SELECT count(*) FROM jobs WHERE attempts = 2 AND last_error LIKE 'time limit exceeded%'")"
info "runner test: $((SECONDS - started))s"
finish
