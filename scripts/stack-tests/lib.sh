# shellcheck shell=bash
# Sourced by every scripts/stack-tests/*.sh. They run from scripts/test against the stack it
# started, and get its description through the environment:
#   STACK_URL (http://127.0.0.1:PORT), STACK_DIR, STACK_RUN, STACK_LOGS, STACK_SOCKET,
#   STACK_POOL_PIDFILE, STACK_POOL_LOG, STACK_POOL_STDERR, STACK_PG_DIR, STACK_PG_PORT,
#   STACK_DB, WORKERS, FCGIAPP_BIN, TEST_TMP, TEST_USER_ID, TEST_ITEM1_ID, TEST_ITEM2_ID,
#   and the app's settings (DATABASE_URL, SECRET_KEY, LOG_FILE, …).
# Each test prints `ok - …` / `FAIL - … (why)` lines and exits 1 when one failed. Anything it
# starts it records as a pid file in $STACK_RUN (scripts/test stops those on exit too) and
# stops itself.
set -euo pipefail

stack_tests_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib/common.sh
. "$stack_tests_dir/../lib/common.sh"
# shellcheck source=../lib/check.sh
. "$stack_tests_dir/../lib/check.sh"
# shellcheck source=../lib/pg.sh
. "$stack_tests_dir/../lib/pg.sh"
# shellcheck source=../lib/pool.sh
. "$stack_tests_dir/../lib/pool.sh"
# shellcheck source=../lib/wrk.sh
. "$stack_tests_dir/../lib/wrk.sh"

for v in STACK_URL STACK_RUN STACK_POOL_PIDFILE STACK_PG_DIR STACK_PG_PORT WORKERS FCGIAPP_BIN TEST_TMP; do
    [[ -n "${!v:-}" ]] || die "$v is not set: run the stack tests through scripts/test"
done

# finish: the exit status of a test script.
finish() {
    info "$(basename "$0"): $CHECK_PASSED passed, $CHECK_FAILED failed"
    ((CHECK_FAILED == 0))
}

# fcgi_get ADDR PATH: one GET over FastCGI without nginx (cgi-fcgi from libfcgi-bin), printing
# the raw CGI response (headers, blank line, body). The environment is emptied first:
# cgi-fcgi sends its whole environment as FastCGI parameters.
fcgi_get() {
    local addr="$1" path="$2" uri query=""
    uri="${path%%\?*}"
    [[ "$path" == *\?* ]] && query="${path#*\?}"
    env -i REQUEST_METHOD=GET SCRIPT_NAME="$uri" REQUEST_URI="$path" DOCUMENT_URI="$uri" \
        QUERY_STRING="$query" SERVER_PROTOCOL=HTTP/1.1 REMOTE_ADDR=127.0.0.1 \
        GATEWAY_INTERFACE=CGI/1.1 REQUEST_ID=0123456789abcdef0123456789abcdef \
        timeout 10 "$(command -v cgi-fcgi)" -bind -connect "$addr" 2>&1
}

# worker_count MASTER_PID
worker_count() { pool_workers "$1" | grep -c . || true; }

# wrk_clean OUT: wrk ran to its summary (in OUT) and every answer was 2xx, without a socket error.
wrk_clean() { grep -q "requests in" "$1" && ! grep -qE "Non-2xx|Socket errors" "$1"; }

# wrk_summary OUT: wrk's request count, non-2xx and socket-error lines, on one line for the log.
wrk_summary() { grep -E 'requests in|Non-2xx|Socket errors' "$1" | tr '\n' ' '; }

# pool_renewed MASTER OLD_WORKERS: true once MASTER has $WORKERS workers and none of OLD_WORKERS
# (pids, space-separated) among them: a reload's new generation has taken over.
pool_renewed() {
    local now
    now="$(pool_workers "$1" | sort -n | tr '\n' ' ')"
    [[ "$(wc -w <<<"$now")" -eq "$WORKERS" ]] &&
        [[ -z "$(comm -12 <(tr ' ' '\n' <<<"$2" | grep . | sort) <(tr ' ' '\n' <<<"$now" | grep . | sort))" ]]
}

# run_cases NAME CMD...: runs a program that prints its own ok/FAIL lines (a Python case file, a
# generated client); they are the test's. Exit 3 means checks failed (already printed, counted
# once more here so that the test fails); any other non-zero exit is one more failure.
run_cases() {
    local name="$1" rc=0
    shift
    "$@" 2>&1 || rc=$?
    case "$rc" in
        0) ;;
        3) CHECK_FAILED=$((CHECK_FAILED + 1)) ;;
        *) fail "$name ran to its end" "exit $rc, see above" ;;
    esac
}

# migrated_test_db NAME LOG: a database of its own for one stack test, on the test stack's
# PostgreSQL, created and migrated (output in LOG); its URL is left in TEST_DB_URL. A failed
# migration is a failed check. (Not for $(…): the check must count in the caller's shell.)
migrated_test_db() {
    local db="$1" log="$2"
    pg_create_db "$STACK_PG_DIR" "$STACK_PG_PORT" "$db" >&2
    TEST_DB_URL="$(pg_url "$STACK_PG_DIR" "$STACK_PG_PORT" "$db")"
    (cd "$TEST_DIR" && DATABASE_URL="$TEST_DB_URL" "$FCGIAPP_BIN" migrate up --dir "$REPO_ROOT/migrations") >"$log" 2>&1 ||
        fail "migrate the database $db" "$(tail -3 "$log")"
}

# served_by REQUEST_ID: which pool of the test stack logged the request with this id (each has
# its LOG_FILE): api, auth (the password-hashing pool), both or none.
served_by() {
    local in_api=0 in_auth=0
    grep -qF "\"request.id\":\"$1\"" "$STACK_POOL_LOG" && in_api=1
    grep -qF "\"request.id\":\"$1\"" "$STACK_AUTH_LOG" && in_auth=1
    case "$in_api$in_auth" in 10) echo api ;; 01) echo auth ;; 11) echo both ;; *) echo none ;; esac
}
logged_by_a_pool() { [[ "$(served_by "$1")" != none ]]; }

# pool_of_request REQUEST_ID: served_by, once a pool has logged the request (the access line is
# written as the answer leaves the worker: up to 2 s are given), else none.
pool_of_request() {
    wait_until 2000 logged_by_a_pool "$1" || true
    served_by "$1"
}
