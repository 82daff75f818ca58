#!/usr/bin/env bash
# The stack's own job runner (`JobRunner run --loop`, started by scripts/test as scripts/dev
# does) with the development transport, maildir:./.data/mail: a registration through nginx
# and the pool is in the maildir within seconds (the runner is woken by NOTIFY, not by its
# poll), as a complete mail with the seed's Japanese subject and body.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
trap check_cleanup EXIT

maildir="$TEST_DIR/.data/mail"
runner_pid="$(read_pidfile "$STACK_RUN/jobs.pid")"
check "the stack's job runner runs (--loop)" "no pid in $STACK_RUN/jobs.pid" pid_alive "${runner_pid:-0}"
check "the runner logged its start with the maildir transport" "see $STACK_LOGS/jobs.log" \
    grep -q '"mail.url":"maildir:./.data/mail"' "$STACK_LOGS/jobs.log"

name="loopuser$RANDOM"
before="$(find "$maildir/new" -type f 2>/dev/null | wc -l)"
t0=$(date +%s%N)
http POST "$STACK_URL/api/v1/auth/register" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$name\",\"email\":\"$name@example.com\",\"password\":\"Loop-Pass-123\",\"password_confirm\":\"Loop-Pass-123\"}"
check_status "register through the stack: 201" 201
# JOB_POLL_SECONDS is 10 by default: arriving within 5 s means NOTIFY woke the runner.
wait_until 5000 bash -c '(( $(find "$1/new" -type f 2>/dev/null | wc -l) > $2 ))' _ "$maildir" "$before" || true
ms=$((($(date +%s%N) - t0) / 1000000))
file="$(grep -l "^To: $name@example.com" "$maildir"/new/* 2>/dev/null | head -1 || true)"
check "welcome mail in the maildir within 5 s (woken by NOTIFY; took ${ms} ms)" "nothing in $maildir/new" test -n "$file"
decoded="$(python3 - "${file:-/dev/null}" <<'PY' 2>&1 || true
import email, email.policy, sys
with open(sys.argv[1], "rb") as f:
    m = email.message_from_binary_file(f, policy=email.policy.default)
print(m["To"]); print(m["Subject"]); print(m.get_body(("plain",)).get_content().rstrip("\n"))
PY
)"
check_eq "maildir mail: recipient, subject, body decoded" \
    "$(printf '%s\n%s\n%s' "$name@example.com" "ご登録ありがとうございます" "${name}様、登録が完了しました。")" "$decoded"
check "maildir file is a complete message (headers, MIME, Message-ID)" "see $file" \
    bash -c 'grep -q "^MIME-Version: 1.0" "$1" && grep -q "^Message-ID: <job-[0-9]*\." "$1" && grep -q "^Date: " "$1"' _ "${file:-/dev/null}"

# Housekeeping: an idempotency key two days old and a job finished long ago are gone after the
# next pass (the loop runner's, woken by the insert, if a minute passed since its last one; else
# the `run once` here), the pass is recorded, and `JobRunner status` shows the latest.
pg_psql "$STACK_PG_DIR" "$STACK_PG_PORT" "$STACK_DB" -q -c "
    INSERT INTO idempotency_keys (scope, key, request_hash, status, created_at)
        VALUES ('anon:203.0.113.1', 'housekeeping-$name', '\\x00', 201, now() - interval '2 days');
    INSERT INTO jobs (kind, payload, state, finished_at) VALUES ('mail', '{}', 'succeeded', now() - interval '90 days')"
(cd "$TEST_DIR" && JOB_LOCK_FILE="$TEST_TMP/housekeeping.lock" "$JOBRUNNER_BIN" run once) >/dev/null 2>&1 || true
status_out="$(cd "$TEST_DIR" && { "$JOBRUNNER_BIN" status 2>&1 || true; })"
check "JobRunner status: the latest housekeeping pass and what it removed" "got: $(shorten "$status_out")" \
    grep -qE '^housekeeping .* removed [0-9]+ idempotency keys, [0-9]+ refresh-token families, [0-9]+ jobs' <<<"$status_out"
left="$(pg_psql "$STACK_PG_DIR" "$STACK_PG_PORT" "$STACK_DB" -tAc "
    SELECT (SELECT count(*) FROM idempotency_keys WHERE key = 'housekeeping-$name')
         + (SELECT count(*) FROM jobs WHERE finished_at < now() - interval '60 days')")"
check_eq "housekeeping: the old key and the old job are gone" 0 "$left"
recorded="$(pg_psql "$STACK_PG_DIR" "$STACK_PG_PORT" "$STACK_DB" -tAc "
    SELECT coalesce(sum(idempotency_keys), 0) >= 1 AND coalesce(sum(jobs), 0) >= 1
    FROM housekeeping_runs WHERE ran_at > now() - interval '2 minutes'")"
check_eq "… and the pass that removed them is recorded" t "$recorded"
finish
