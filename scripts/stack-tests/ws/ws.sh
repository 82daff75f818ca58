# shellcheck shell=bash
# Shared by the WebSocket stack tests (9x-ws-*.sh). Source after ../lib.sh.

WS_PY_REQUIREMENTS=(websockets==15.0.1)
WS_VENV="$REPO_ROOT/.data/venv-ws"
WS_CASES="${stack_tests_dir:?source ../lib.sh first}/ws"

# ensure_ws_venv: the pinned Python WebSocket client, installed once into .data/venv-ws.
ensure_ws_venv() { ensure_python_venv "$WS_VENV" "${WS_PY_REQUIREMENTS[@]}"; }

# ws_cases FILE [ARGS...]: runs one of the Python case files; its ok/FAIL lines are the test's.
ws_cases() {
    local file="$1"
    shift
    run_cases "$file" env PSQL="$PG_BIN/psql" "$WS_VENV/bin/python" -u "$WS_CASES/$file" "$@"
}

# ws_wait_healthy URL SECONDS: waits until URL/ws/health answers 200 (after a PostgreSQL restart
# by an earlier test, the daemon's listener may still be reconnecting).
ws_wait_healthy() {
    local deadline=$((SECONDS + $2))
    until curl -fsS -m 2 -o /dev/null "$1/ws/health" 2>/dev/null; do
        ((SECONDS < deadline)) || return 1
        sleep 0.2
    done
}
