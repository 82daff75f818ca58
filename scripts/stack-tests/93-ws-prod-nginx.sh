#!/usr/bin/env bash
# nginx/prod.conf in front of the chat daemon: wss:// over TLS through `upstream ws_daemons`
# (pointed at the test stack's daemon), the Upgrade passed on, the token kept out of the
# access log.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=ws/ws.sh
. "$stack_tests_dir/ws/ws.sh"
# shellcheck source=prod-nginx-lib.sh
. "$stack_tests_dir/prod-nginx-lib.sh"
dir="$TEST_TMP/ws-prod-nginx"
trap 'nginx_stop "$STACK_RUN/nginx-ws-prod.pid"; check_cleanup' EXIT
mkdir -p "$dir/logs" "$dir/tmp"

check "python websockets client installed (${WS_PY_REQUIREMENTS[*]})" "pip install into $WS_VENV failed" ensure_ws_venv
check "the chat daemon is ready (/ws/health)" "no 200 from $STACK_URL/ws/health" ws_wait_healthy "$STACK_URL" 30

# Rendered as scripts/install renders it (60-nginx-conf.sh does the same), with the chat upstream
# pointed at the stack's daemon.
http_port="$(free_port $((STACK_PORT + 60)))"
https_port="$(free_port $((http_port + 1)))"
prod_nginx_config "$dir" "$http_port" "$https_port" "$STACK_RUN/nginx-ws-prod.pid"
check "prod config: the chat upstream points at the test daemon" "no ws_daemons server rewritten" \
    grep -q "server 127.0.0.1:$STACK_WS_PORT;" "$dir/etc/fcgiapp/nginx/upstreams.conf"
if nginx -c "$PROD_NGINX_CONF" -e "$PROD_NGINX_LOGS/error.log" 2>"$dir/start.err" && wait_until 3000 port_in_use "$https_port"; then
    ok "prod config starts (https $https_port)"
    PROD_URL="https://127.0.0.1:$https_port" ws_cases prod_cases.py
    http GET "http://127.0.0.1:$http_port/ws/chat/r?token=secret-token-value" -H "Host: api.example.com"
    check_status "prod: plain HTTP to /ws/ redirects to HTTPS" 301
    nginx_stop "$STACK_RUN/nginx-ws-prod.pid"   # flushes the buffered access log
    check "prod: /ws/ requests are logged without their query (no token in the access log)" \
        "found: $(grep -o 'token=[^ ]*' "$PROD_NGINX_LOGS/access.log" | head -1)" \
        bash -c '! grep -q "token=" "$1" && grep -q "GET /ws/chat/" "$1"' _ "$PROD_NGINX_LOGS/access.log"
else
    fail "prod config starts" "$(shorten "$(cat "$dir/start.err" "$PROD_NGINX_LOGS/error.log" 2>/dev/null)")"
fi
finish
