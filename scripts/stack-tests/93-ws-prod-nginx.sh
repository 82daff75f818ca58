#!/usr/bin/env bash
# nginx/prod.conf in front of the chat daemon: wss:// over TLS through `upstream ws_daemons`
# (pointed at the test stack's daemon), the Upgrade passed on, the token kept out of the
# access log.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=ws/ws.sh
. "$stack_tests_dir/ws/ws.sh"
# shellcheck source=../lib/nginx.sh
. "$stack_tests_dir/../lib/nginx.sh"
dir="$TEST_TMP/ws-prod-nginx"
trap 'nginx_stop "$STACK_RUN/nginx-ws-prod.pid"; check_cleanup' EXIT
mkdir -p "$dir/logs" "$dir/tmp"

check "python websockets client installed (${WS_PY_REQUIREMENTS[*]})" "pip install into $WS_VENV failed" ensure_ws_venv
check "the chat daemon is ready (/ws/health)" "no 200 from $STACK_URL/ws/health" ws_wait_healthy "$STACK_URL" 30
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
    -keyout "$dir/privkey.pem" -out "$dir/fullchain.pem" >/dev/null 2>&1

# The config's absolute paths and ports, rewritten for this machine (as 60-nginx-conf.sh does),
# with the chat upstream pointed at the stack's daemon.
http_port="$(free_port $((STACK_PORT + 60)))"
https_port="$(free_port $((http_port + 1)))"
sed -e "s#/etc/ssl/fcgiapp/#$dir/#g" \
    -e "s#/var/log/nginx/#$dir/logs/#g" \
    -e "s#/run/nginx-fcgiapp.pid#$STACK_RUN/nginx-ws-prod.pid#g" \
    -e "s#^\( *\)listen 80;#\1listen 127.0.0.1:$http_port;#" \
    -e "s#^\( *\)listen 443 ssl http2;#\1listen 127.0.0.1:$https_port ssl http2;#" \
    -e '/listen \[::\]/d' \
    -e "s#unix:/run/fcgiapp/fcgi.sock#unix:$STACK_SOCKET#" \
    -e "s#unix:/run/fcgiapp/fcgi-auth.sock#unix:$STACK_AUTH_SOCKET#" \
    -e "s#server 127.0.0.1:8081;#server 127.0.0.1:$STACK_WS_PORT;#" \
    -e "s#^user www-data;#$(is_root && echo 'user root;')#" \
    "$REPO_ROOT/nginx/prod.conf" >"$dir/nginx.conf"
check "prod config: the chat upstream points at the test daemon" "no ws_daemons server rewritten" \
    grep -q "server 127.0.0.1:$STACK_WS_PORT;" "$dir/nginx.conf"
if nginx -c "$dir/nginx.conf" -e "$dir/logs/error.log" 2>"$dir/start.err" && wait_until 3000 port_in_use "$https_port"; then
    ok "prod config starts (https $https_port)"
    PROD_URL="https://127.0.0.1:$https_port" ws_cases prod_cases.py
    http GET "http://127.0.0.1:$http_port/ws/chat/r?token=secret-token-value" -H "Host: api.example.com"
    check_status "prod: plain HTTP to /ws/ redirects to HTTPS" 301
    nginx_stop "$STACK_RUN/nginx-ws-prod.pid"   # flushes the buffered access log
    check "prod: /ws/ requests are logged without their query (no token in the access log)" \
        "found: $(grep -o 'token=[^ ]*' "$dir/logs/fcgiapp-access.log" | head -1)" \
        bash -c '! grep -q "token=" "$1" && grep -q "GET /ws/chat/" "$1"' _ "$dir/logs/fcgiapp-access.log"
else
    fail "prod config starts" "$(shorten "$(cat "$dir/start.err" "$dir/logs/error.log" 2>/dev/null)")"
fi
finish
