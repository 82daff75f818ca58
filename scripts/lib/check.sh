# shellcheck shell=bash
# Helpers for checks that print TAP-like lines: `ok - name` or `FAIL - name (why)`.
# Used by scripts/smoke and scripts/stack-tests/*.sh. Source after common.sh.
# Needs curl and jq.

CHECK_PASSED=0
CHECK_FAILED=0

ok()   { CHECK_PASSED=$((CHECK_PASSED + 1)); printf 'ok - %s\n' "$1"; }
fail() { CHECK_FAILED=$((CHECK_FAILED + 1)); printf 'FAIL - %s (%s)\n' "$1" "$2"; }
info() { printf '# %s\n' "$*"; }

# check NAME WHY-IF-FAILED CMD...: ok when CMD succeeds.
check() {
    local name="$1" why="$2"
    shift 2
    if "$@"; then ok "$name"; else fail "$name" "$why"; fi
}

# check_eq NAME EXPECTED GOT
check_eq() {
    if [[ "$3" == "$2" ]]; then ok "$1"; else fail "$1" "expected '$2', got '$(shorten "$3")'"; fi
}

# check_status NAME EXPECTED: compares with the last HTTP_STATUS; shows the body when wrong.
check_status() {
    if [[ "$HTTP_STATUS" == "$2" ]]; then ok "$1"
    else fail "$1" "expected HTTP $2, got $HTTP_STATUS: $(shorten "$HTTP_BODY")"; fi
}

# check_jq NAME FILTER: ok when jq FILTER (run with -e on the last body) is true.
check_jq() {
    if jq -e "$2" >/dev/null 2>&1 <<<"$HTTP_BODY"; then ok "$1"
    else fail "$1" "expected $2 on body $(shorten "$HTTP_BODY")"; fi
}

# check_summary: prints `N passed, M failed`; returns 1 when something failed.
check_summary() {
    printf '%s passed, %s failed\n' "$CHECK_PASSED" "$CHECK_FAILED"
    ((CHECK_FAILED == 0))
}

shorten() {
    local s="${1//$'\n'/ }"
    ((${#s} > 300)) && s="${s:0:300}…"
    printf '%s' "$s"
}

# http METHOD URL [curl args...]: sets HTTP_STATUS, HTTP_BODY, and the response headers in the
# file $HTTP_HEADERS (read them with header NAME). Never fails: status 000 when unreachable.
CHECK_TMP="$(mktemp -d "${TMPDIR:-/tmp}/checks.XXXXXX")"
HTTP_HEADERS="$CHECK_TMP/headers"
HTTP_STATUS=000
HTTP_BODY=""
http() {
    local method="$1" url="$2"
    shift 2
    : >"$HTTP_HEADERS"
    HTTP_STATUS="$(curl -sS -m "${HTTP_TIMEOUT:-10}" -X "$method" -D "$HTTP_HEADERS" \
        -o "$CHECK_TMP/body" -w '%{http_code}' "$@" "$url" 2>"$CHECK_TMP/curl.err" || true)"
    [[ -n "$HTTP_STATUS" ]] || HTTP_STATUS=000
    HTTP_BODY="$(cat "$CHECK_TMP/body" 2>/dev/null || true)"
    if [[ "$HTTP_STATUS" == 000 ]]; then
        HTTP_BODY="(no answer: $(tr '\n' ' ' <"$CHECK_TMP/curl.err"))"
    fi
    rm -f "$CHECK_TMP/body"
}

# header NAME: value of a header of the last response (case-insensitive, last one wins).
header() {
    awk -v want="$(tr '[:upper:]' '[:lower:]' <<<"$1")" '
        { sub(/\r$/, "") }
        index($0, ":") > 0 {
            name = tolower(substr($0, 1, index($0, ":") - 1))
            if (name == want) { v = substr($0, index($0, ":") + 1); sub(/^[ \t]+/, "", v); found = v }
        }
        END { printf "%s", found }' "$HTTP_HEADERS"
}

check_cleanup() { rm -rf "$CHECK_TMP"; }
