#!/usr/bin/env bash
# RFC 6455 conformance of the running chat daemon, with raw frames through nginx: fragmented
# messages, control frames between fragments, invalid UTF-8 (1007), unmasked client frames and
# other protocol errors (1002), binary messages (1003), oversized frames and messages (1009), the
# close handshake.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=ws/ws.sh
. "$stack_tests_dir/ws/ws.sh"
trap check_cleanup EXIT

check "python websockets client installed (${WS_PY_REQUIREMENTS[*]})" "pip install into $WS_VENV failed" ensure_ws_venv
check "the chat daemon is ready behind nginx (/ws/health)" "no 200 from $STACK_URL/ws/health" \
    ws_wait_healthy "$STACK_URL" 30
ws_cases protocol_cases.py
finish
