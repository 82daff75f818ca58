#!/usr/bin/env bash
# Scale-out and robustness of the chat: a second daemon (B) behind a second nginx, sharing rooms
# with the main stack's daemon (A) through PostgreSQL LISTEN/NOTIFY: messages cross daemons once
# and in one order; B pings every second and drops a silent peer, drops a client that stops
# reading (small WS_SEND_QUEUE_BYTES) without harming the others, closes its clients with 1013
# when its LISTEN session is lost, and stops gracefully on SIGTERM (close 1001). Accounts: a
# deleted or deactivated user's connections close on both daemons within a second (4001/4003)
# and their last messages never fail the others'; a client over WS_MAX_MESSAGES_PER_SECOND gets
# an error event and close 1008.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=ws/ws.sh
. "$stack_tests_dir/ws/ws.sh"
# shellcheck source=../lib/nginx.sh
. "$stack_tests_dir/../lib/nginx.sh"
# shellcheck source=../lib/chat.sh
. "$stack_tests_dir/../lib/chat.sh"

pidfile="$STACK_RUN/chatd-b.pid"
nginx_pidfile="$STACK_RUN/nginx-ws-b.pid"
work="$TEST_TMP/ws-b"
trap 'nginx_stop "$nginx_pidfile"; chat_stop "$pidfile"; chat_stop "$STACK_RUN/chatd-c.pid"; check_cleanup' EXIT
mkdir -p "$work"

check "python websockets client installed (${WS_PY_REQUIREMENTS[*]})" "pip install into $WS_VENV failed" ensure_ws_venv
check "daemon A is ready behind nginx (/ws/health)" "no 200 from $STACK_URL/ws/health" ws_wait_healthy "$STACK_URL" 30

ws_b_port="$(free_port $((STACK_PORT + 50)))"
log_b="$STACK_LOGS/chatd-b.log"
: >"$log_b"
chat_start "127.0.0.1:$ws_b_port" "$pidfile" "$log_b" "$STACK_LOGS/chatd-b.stderr.log" \
    WS_PING_INTERVAL_SECONDS=1 WS_SEND_QUEUE_BYTES=524288 WS_SHUTDOWN_GRACE_SECONDS=3
nginx_port="$(free_port $((ws_b_port + 1)))"
nginx_render "$work/nginx" "$nginx_port" "$STACK_SOCKET" "$ws_b_port" "$nginx_pidfile"
nginx_start "$work/nginx" "$nginx_pidfile"
url_b="http://127.0.0.1:$nginx_port"
check "daemon B is ready behind its nginx" "no 200 from $url_b/ws/health" ws_wait_healthy "$url_b" 30

# The daemon also listens on a unix socket (WS_LISTEN=/path), group-accessible for nginx. This
# one (C) keeps the chat's default message rate (the test stack raises it for its bursts).
sock_c="$STACK_RUN/chatd-c.sock"
chat_start "$sock_c" "$STACK_RUN/chatd-c.pid" "$STACK_LOGS/chatd-c.log" "$STACK_LOGS/chatd-c.stderr.log" \
    -u WS_MAX_MESSAGES_PER_SECOND -u WS_MESSAGE_BURST
check "a daemon on a unix socket answers /ws/health" "no answer on $sock_c" \
    curl -fsS -m 5 -o /dev/null --unix-socket "$sock_c" http://localhost/ws/health
check_eq "its socket has mode 660" 660 "$(stat -c %a "$sock_c" 2>/dev/null)"

URL_A="$STACK_URL" URL_B="$url_b" HEALTH_B="http://127.0.0.1:$ws_b_port/ws/health" LOG_B="$log_b" \
    SOCKET_C="$sock_c" PID_B="$(read_pidfile "$pidfile")" ws_cases scaleout_cases.py
chat_stop "$STACK_RUN/chatd-c.pid"
check "the unix-socket daemon removes its socket when it stops" "$sock_c is still there" test ! -e "$sock_c"
finish
