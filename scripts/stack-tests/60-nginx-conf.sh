#!/usr/bin/env bash
# nginx/prod.conf passes `nginx -t` with a self-signed certificate, and really serves: HTTP
# redirects to HTTPS, TLS answers through the pool with the security headers.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=prod-nginx-lib.sh
. "$stack_tests_dir/prod-nginx-lib.sh"
dir="$TEST_TMP/prod-nginx"
trap 'nginx_stop "$STACK_RUN/nginx-prod.pid"; check_cleanup' EXIT
mkdir -p "$dir"

# Rendered as scripts/install renders it, on free loopback ports, pointed at the test pool.
http_port="$(free_port $((STACK_PORT + 30)))"
https_port="$(free_port $((http_port + 1)))"
prod_nginx_config "$dir" "$http_port" "$https_port" "$STACK_RUN/nginx-prod.pid"
check "self-signed certificate generated" "openssl failed" test -s "$dir/etc/fcgiapp/tls/fullchain.pem"
if out="$(nginx -t -c "$PROD_NGINX_CONF" -e "$PROD_NGINX_LOGS/error.log" 2>&1)"; then
    ok "nginx -t accepts nginx/prod.conf"
else
    fail "nginx -t accepts nginx/prod.conf" "$(shorten "$out")"
fi
if out="$(nginx -t -p "$STACK_NGINX" -c "$STACK_NGINX/nginx.conf" -e "$STACK_NGINX/logs/error.log" 2>&1)"; then
    ok "nginx -t accepts the rendered dev config"
else
    fail "nginx -t accepts the rendered dev config" "$(shorten "$out")"
fi

# Run it for real.
if nginx -c "$PROD_NGINX_CONF" -e "$PROD_NGINX_LOGS/error.log" 2>"$dir/start.err" &&
    wait_until 3000 port_in_use "$https_port"; then
    ok "prod config starts (http $http_port, https $https_port)"
    http GET "http://127.0.0.1:$http_port/health?x=1" -H "Host: api.example.com"
    check_status "prod: plain HTTP answers 301" 301
    check_eq "prod: redirect to https with path and query" "https://api.example.com/health?x=1" "$(header Location)"
    http GET "https://127.0.0.1:$https_port/health" -k
    check_status "prod: GET /health over TLS 200" 200
    check_eq "prod: X-Frame-Options" DENY "$(header X-Frame-Options)"
    check_eq "prod: X-Content-Type-Options" nosniff "$(header X-Content-Type-Options)"
    check_eq "prod: X-XSS-Protection" "1; mode=block" "$(header X-XSS-Protection)"
    check_eq "prod: Strict-Transport-Security" "max-age=31536000; includeSubDomains" "$(header Strict-Transport-Security)"
    http GET "https://127.0.0.1:$https_port/no-such-path" -k
    check_eq "prod: security headers on errors too (always)" DENY "$(header X-Frame-Options)"
    # Login and registration go to the password-hashing pool, the rest to the API pool.
    for route in "auth /api/v1/auth/token" "auth /api/v1/auth/register" "api /api/v1/auth/refresh"; do
        id="prod-route-$RANDOM$RANDOM"
        http POST "https://127.0.0.1:$https_port${route#* }" -k -H "X-Request-ID: $id" -H 'Content-Type: application/json' -d '{}'
        check_eq "prod: POST ${route#* } served by the ${route%% *} pool" "${route%% *}" "$(pool_of_request "$id")"
    done
    http GET "https://127.0.0.1:$https_port/health" -k --http2
    check_eq "prod: HTTP/2 over TLS" 2 "$(head -n 1 "$HTTP_HEADERS" | awk '{print $1}' | sed 's#HTTP/##')"
    check "prod: TLSv1.1 refused" "a TLSv1.1 handshake succeeded" \
        bash -c '! curl -sk -o /dev/null --tls-max 1.1 "https://127.0.0.1:$1/health" 2>/dev/null' _ "$https_port"
    # Rate limit (20 r/s, burst 40): a burst of 120 requests to an API path, sent at once (in
    # parallel, so that a slow machine still exceeds the rate), meets 429 with the contract's JSON
    # body, Retry-After and the security headers. (/health is exempt.)
    burst=()
    for ((i = 1; i <= 120; i++)); do
        burst+=(-o "$dir/burst-$i.body" "https://127.0.0.1:$https_port/api/v1/items/999999?n=$i")
    done
    # One line per answer: status, X-Frame-Options, Retry-After, body file.
    curl -sk --parallel --parallel-immediate --parallel-max 60 \
        -w '%{http_code} %header{x-frame-options} %header{retry-after}- %{filename_effective}\n' "${burst[@]}" \
        >"$dir/burst.out" 2>/dev/null || true
    limited="$(grep -c '^429 ' "$dir/burst.out" || true)"
    check "prod: a burst meets limit_req (429)" "no 429 among 120 parallel requests: $(sort "$dir/burst.out" |
        cut -d' ' -f1 | uniq -c | tr '\n' ' ')" test "$limited" -gt 0
    info "$limited of 120 parallel requests got 429"
    read -r _ frame_options retry_after body_file < <(grep -m 1 '^429 ' "$dir/burst.out" || true)
    if [[ -n "${body_file:-}" ]]; then
        HTTP_BODY="$(cat "$body_file")"
        check_jq "prod: 429 body is the contract's JSON" '. == {"detail": "レート制限に達しました"}'
        check_eq "prod: 429 carries the security headers" DENY "$frame_options"
        check_eq "prod: 429 says when to try again (Retry-After: 1)" 1- "$retry_after"
    fi
    http GET "https://127.0.0.1:$https_port/health" -k
    check_status "prod: /health is not rate limited" 200
else
    fail "prod config starts" "$(shorten "$(cat "$dir/start.err" "$PROD_NGINX_LOGS/error.log" 2>/dev/null)")"
fi

finish
