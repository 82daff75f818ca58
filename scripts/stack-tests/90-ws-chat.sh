#!/usr/bin/env bash
# The WebSocket chat through nginx with a real client (Python `websockets`, pinned, in
# .data/venv-ws): two users see each other's messages and join/leave notices, ping → pong,
# malformed JSON gets an error message, tokens are checked like the REST API's (4001, 4003 for an
# inactive account), Origin against CORS_ORIGINS, the REST history and `?since=` replay.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=ws/ws.sh
. "$stack_tests_dir/ws/ws.sh"
trap check_cleanup EXIT

check "python websockets client installed (${WS_PY_REQUIREMENTS[*]})" "pip install into $WS_VENV failed" ensure_ws_venv
check "the chat daemon is ready behind nginx (/ws/health)" "no 200 from $STACK_URL/ws/health" \
    ws_wait_healthy "$STACK_URL" 30
ws_cases chat_cases.py
# The token travels in the query string; nginx logs /ws/ requests without it.
wait_until 5000 grep -q "GET /ws/chat/" "$STACK_NGINX/logs/access.log" || true
check "nginx logs /ws/ requests without their query (no token in the access log)" \
    "found: $(grep -o 'token=[^ ]*' "$STACK_NGINX/logs/access.log" | head -1 | cut -c1-40)" \
    bash -c '! grep -q "token=" "$1" && grep -q "GET /ws/chat/" "$1"' _ "$STACK_NGINX/logs/access.log"
finish
