# shellcheck shell=bash
# Helpers of the mail and job stack tests (85-89): a real SMTP server (aiosmtpd from PyPI, in a
# venv cached in .data/venv-smtp) with STARTTLS and smtps on a self-signed certificate made
# here, and runs of the job runner against a database of the test's own. Source after lib.sh.
# The test sets RUNNER_DB (its database's name) and RUNNER_DB_URL before using runner/db_value.
# shellcheck disable=SC2034,SC2153  # RUNNER_OUT/RUNNER_RC are read by the tests; RUNNER_DB is theirs

SMTP_REQUIREMENTS=(aiosmtpd==1.4.6)
smtp_venv="$REPO_ROOT/.data/venv-smtp"
JOBRUNNER_BIN="$SCRATCH_PATH/release/JobRunner"
SMTP_USER=mailer
SMTP_PASSWORD='s3cret-pass'

# smtp_ensure_venv: the pinned aiosmtpd, installed once.
smtp_ensure_venv() { ensure_python_venv "$smtp_venv" "${SMTP_REQUIREMENTS[@]}"; }

# smtp_make_cert DIR: a self-signed certificate for 127.0.0.1 and localhost (DIR/cert.pem, key.pem).
smtp_make_cert() {
    mkdir -p "$1"
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=127.0.0.1" \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -keyout "$1/key.pem" -out "$1/cert.pem" >/dev/null 2>&1
}

# smtp_sink_start NAME DIR [sink args...]: starts smtp-sink.py on two free ports; sets
# SINK_PORT (STARTTLS), SINK_TLS_PORT (smtps), SINK_OUT (JSON lines, one per mail), SINK_PIDFILE.
smtp_sink_start() {
    local name="$1" dir="$2" pid
    shift 2
    SINK_PORT="$(free_port $((STACK_PORT + 60 + RANDOM % 200)))"
    SINK_TLS_PORT="$(free_port $((SINK_PORT + 1)))"
    SINK_OUT="$dir/$name.jsonl"
    SINK_PIDFILE="$STACK_RUN/smtp-$name.pid"
    : >"$SINK_OUT"
    "$smtp_venv/bin/python" "${stack_tests_dir:?}/smtp-sink.py" --port "$SINK_PORT" --tls-port "$SINK_TLS_PORT" \
        --cert "$dir/cert.pem" --key "$dir/key.pem" --out "$SINK_OUT" \
        --user "$SMTP_USER" --password "$SMTP_PASSWORD" "$@" >"$dir/$name.log" 2>&1 &
    pid=$!
    printf '%s\n' "$pid" >"$SINK_PIDFILE"
    wait_until 15000 grep -q '^ready' "$dir/$name.log" || true
    grep -q '^ready' "$dir/$name.log"
}

# smtp_sink_stop: stops the sink started last (and any other whose pid file is given).
smtp_sink_stop() {
    local pidfile="${1:-${SINK_PIDFILE:-}}" pid
    [[ -n "$pidfile" ]] || return 0
    pid="$(read_pidfile "$pidfile")"
    [[ -n "$pid" ]] && stop_pid "$pid" '^python' TERM 5
    rm -f "$pidfile"
}

# sink_count: mails the sink accepted so far.
sink_count() { grep -c . "$SINK_OUT" 2>/dev/null || true; }

# sink_jq FILTER: jq over all mails as one array (-s).
sink_jq() { jq -s -r "$1" "$SINK_OUT"; }

# runner [ENV=VALUE...] -- ARGS...: runs the job runner with the test's database (RUNNER_DB_URL)
# and extra settings; output in RUNNER_OUT, exit status in RUNNER_RC.
runner() {
    local envs=()
    while (($#)) && [[ "$1" != -- ]]; do envs+=("$1"); shift; done
    [[ "${1:-}" == -- ]] && shift
    RUNNER_RC=0
    RUNNER_OUT="$(cd "$TEST_DIR" && env -u LOG_FILE DATABASE_URL="$RUNNER_DB_URL" JOB_LOCK_FILE="$TEST_TMP/runner-$$.lock" \
        "${envs[@]}" timeout 120 "$JOBRUNNER_BIN" "$@" 2>&1)" || RUNNER_RC=$?
}

# db_value SQL: one value from the test's own database.
db_value() { pg_psql "$STACK_PG_DIR" "$STACK_PG_PORT" "$RUNNER_DB" -tA -c "$1"; }
