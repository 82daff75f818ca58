#!/usr/bin/env bash
# The global guard, run after every other stack test: a 500 is a bug wherever it comes from, a
# race included. No log the run wrote (the pools', the chat daemons', the job runners') may hold
# an `Unhandled error` line, and no nginx access log a 500. The offending lines are printed.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
trap check_cleanup EXIT

# Every log file of this run, PostgreSQL's own excepted (a test that kills a session makes it
# write errors that are not ours).
mapfile -t logs < <(find "$TEST_DIR" -type f -name '*.log' ! -path "$STACK_PG_DIR/*" 2>/dev/null | sort)
info "${#logs[@]} log files read"

unhandled="$(grep -H 'Unhandled error' "${logs[@]}" /dev/null 2>/dev/null | sed "s#^$TEST_DIR/##" | cut -c1-400 || true)"
check "no 'Unhandled error' in the logs of the pools, chat daemons and job runners" \
    "$(grep -c . <<<"$unhandled") lines: $(head -5 <<<"$unhandled")" test -z "$unhandled"

# nginx's access logs (combined format: the status follows the quoted request line).
errors="$(grep -H -E '" 500 [0-9]+ ' "${logs[@]}" /dev/null 2>/dev/null | grep -F 'access' | sed "s#^$TEST_DIR/##" | cut -c1-400 || true)"
check "no 500 in nginx's access logs" "$(grep -c . <<<"$errors") lines: $(head -5 <<<"$errors")" test -z "$errors"
if [[ -n "$unhandled$errors" ]]; then
    printf '%s\n' "$unhandled" "$errors" | sed '/^$/d' | head -40 | sed 's/^/# /'
fi
finish
