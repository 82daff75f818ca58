#!/usr/bin/env bash
# Request policies through nginx: the pool-wide rate limit (counted across all workers, kept
# when a worker is killed), the login limit, CORS and trusted hosts.
#
# The main stack runs with a huge rate limit, so this test starts a pool of its own with
# RATE_LIMIT_MAX_REQUESTS=20, LOGIN_RATE_LIMIT_MAX_REQUESTS=3, ALLOWED_HOSTS and
# TRUSTED_PROXIES=127.0.0.1 (nginx's address as the pool sees it: each phase below plays a
# different client through X-Forwarded-For), and an nginx of its own in front of it.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../lib/nginx.sh
. "$stack_tests_dir/../lib/nginx.sh"
pool_pidfile="$STACK_RUN/policies-pool.pid"
nginx_pidfile="$STACK_RUN/nginx-policies.pid"
trap 'nginx_stop "$nginx_pidfile"; pool_stop "$pool_pidfile"; check_cleanup' EXIT

limit=20
login_limit=3
sock="$TEST_TMP/policies.sock"
log="$STACK_LOGS/policies.log"
prefix="$TEST_TMP/policies-nginx"
port="$(free_port $((STACK_PORT + 40)))"
base="http://127.0.0.1:$port"

RATE_LIMIT_MAX_REQUESTS=$limit RATE_LIMIT_WINDOW_SECONDS=60 \
LOGIN_RATE_LIMIT_MAX_REQUESTS=$login_limit LOGIN_RATE_LIMIT_WINDOW_SECONDS=60 \
ALLOWED_HOSTS='127.0.0.1,localhost,*.example.test' CORS_ORIGINS='http://localhost:3000' \
TRUSTED_PROXIES=127.0.0.1 LOG_FILE="$log" LOG_LEVEL=info \
    pool_start_standalone "$sock" "$pool_pidfile" "$log" --workers "$WORKERS"
master="$(read_pidfile "$pool_pidfile")"
# A connection per request: consecutive requests then reach different workers, which is what
# shows the count to be the pool's, not a worker's (a kept connection brings them all to one).
FCGI_KEEP_CONN=off nginx_render "$prefix" "$port" "$sock" "$STACK_WS_PORT" "$nginx_pidfile"
nginx_start "$prefix" "$nginx_pidfile"
wait_ready "$base" 30 "$master" "$log" "$prefix/logs/error.log" >/dev/null ||
    { fail "policies pool ready" "no answer from $base/health/ready"; finish; exit 1; }
wait_until 3000 bash -c '[[ "$(pgrep -P "$1" | grep -c .)" == "$2" ]]' _ "$master" "$WORKERS" || true
check_eq "policies pool: $WORKERS workers" "$WORKERS" "$(worker_count "$master")"

item="$base/api/v1/items/$TEST_ITEM1_ID"

# pids_of PREFIX: the distinct worker pids that logged requests whose id starts with PREFIX.
pids_of() {
    jq -rR --arg p "$1" 'fromjson? | select(.msg == "Request" and ((.["request.id"] // "") | startswith($p))) | .pid' \
        "$log" | sort -u | tr '\n' ' '
}

# 1. One client, one request after the other: exactly `limit` pass, then 429.
statuses="" remaining="" bad_429=""
for i in $(seq 1 $((limit + 5))); do
    http GET "$item" -H "X-Forwarded-For: 203.0.113.10" -H "X-Request-ID: policies-seq-$(printf %04d "$i")"
    statuses+="$HTTP_STATUS "
    remaining+="$(header X-RateLimit-Remaining) "
    if ((i > limit)); then
        retry="$(header Retry-After)"
        if ! [[ "$HTTP_STATUS" == 429 && "$retry" =~ ^[0-9]+$ && "$(header X-RateLimit-Limit)" == "$limit" ]] ||
            ((retry < 1 || retry > 60)) ||
            ! jq -e '. == {"detail": "レート制限に達しました"}' >/dev/null 2>&1 <<<"$HTTP_BODY"; then
            bad_429+="#$i: $HTTP_STATUS retry=$retry body=$(shorten "$HTTP_BODY"); "
        fi
    fi
done
check_eq "sequential: $limit × 200, then 429" \
    "$(printf '200 %.0s' $(seq 1 $limit))$(printf '429 %.0s' $(seq 1 5))" "$statuses"
check_eq "sequential: X-RateLimit-Remaining counts down to 0" \
    "$(seq $((limit - 1)) -1 0 | tr '\n' ' ')0 0 0 0 0 " "$remaining"
check_eq "sequential: each 429 has Retry-After 1..60, X-RateLimit-Limit $limit and the seed's JSON" "" "$bad_429"
http GET "$item" -H "X-Forwarded-For: 203.0.113.10" -H "Accept-Language: en"
check_jq "429 in English with Accept-Language: en" '. == {"detail": "Rate limit exceeded"}'
sleep 0.3
seq_pids="$(pids_of policies-seq-)"
check "sequential: answered by several workers (pids: $seq_pids)" "only $seq_pids" \
    test "$(wc -w <<<"$seq_pids")" -ge 2

# 2. Another client, 60 requests 8 at a time: still exactly `limit` pass, pool-wide.
par_out="$TEST_TMP/policies-parallel.out"
seq 1 60 | xargs -P 8 -I{} curl -s -o /dev/null -w '%{http_code}\n' -m 10 \
    -H "X-Forwarded-For: 203.0.113.11" -H "X-Request-ID: policies-par-{}-0000" "$item" >"$par_out"
check_eq "parallel: exactly $limit of 60 passed" "$limit" "$(grep -c '^200$' "$par_out" || true)"
check_eq "parallel: the other 40 got 429" 40 "$(grep -c '^429$' "$par_out" || true)"
sleep 0.3
par_pids="$(pids_of policies-par-)"
check "parallel: answered by several workers (pids: $par_pids)" "only $par_pids" \
    test "$(wc -w <<<"$par_pids")" -ge 2
http GET "$item" -H "X-Forwarded-For: 203.0.113.12"
check_status "another client is not affected" 200
check_eq "another client: X-RateLimit-Remaining $((limit - 1))" "$((limit - 1))" "$(header X-RateLimit-Remaining)"

# 3. Health endpoints are exempt: a client over its limit still gets them, and they carry no
#    X-RateLimit-* headers (they are not counted: a Remaining there would never move).
http GET "$base/health" -H "X-Forwarded-For: 203.0.113.10"
check_status "health is exempt from the limit" 200
check_eq "health carries no X-RateLimit headers" "/" "$(header X-RateLimit-Limit)/$(header X-RateLimit-Remaining)"

# 4. The counters live in the master's shared memory: a killed worker takes nothing with it.
victim="$(pool_workers "$master" | head -n 1)"
kill -9 "$victim"
wait_until 3000 bash -c '! kill -0 "$1" 2>/dev/null && [[ "$(pgrep -P "$2" | grep -c .)" == "$3" ]]' \
    _ "$victim" "$master" "$WORKERS" || true
after_kill=""
for i in $(seq 1 $((WORKERS * 2))); do
    http GET "$item" -H "X-Forwarded-For: 203.0.113.10"
    after_kill+="$HTTP_STATUS "
done
check_eq "after kill -9 of worker $victim: the client is still limited" \
    "$(printf '429 %.0s' $(seq 1 $((WORKERS * 2))))" "$after_kill"

# 5. Login attempts have their own, stricter limit.
logins=""
for i in $(seq 1 $((login_limit + 1))); do
    http POST "$base/api/v1/auth/token" -H "X-Forwarded-For: 203.0.113.13" \
        --data-urlencode "username=nobody$i@example.com" --data-urlencode 'password=WrongPass123!'
    logins+="$HTTP_STATUS "
    if ((i == 1)); then
        check_eq "login: X-RateLimit-Limit $login_limit" "$login_limit" "$(header X-RateLimit-Limit)"
    fi
done
check_eq "login: $login_limit attempts, then 429" "$(printf '401 %.0s' $(seq 1 $login_limit))429 " "$logins"
http GET "$item" -H "X-Forwarded-For: 203.0.113.13"
check_status "login limit leaves other requests alone" 200
# The rule follows the operation, not the path text: spellings that nginx and the router would
# both take for the login are redirected to its one path (308) and never reach it unmetered.
odd=""
for path in "//api/v1/auth/token" "/api/v1//auth/token" "/api/v1/auth/./token" "/api/v1/x/../auth/token"; do
    http POST "$base$path" --path-as-is -H "X-Forwarded-For: 203.0.113.15" \
        --data-urlencode "username=nobody@example.com" --data-urlencode 'password=WrongPass123!'
    odd+="$HTTP_STATUS $(header Location) "
done
check_eq "login at non-canonical paths: 308 to /api/v1/auth/token every time" \
    "$(printf '308 /api/v1/auth/token %.0s' 1 2 3 4)" "$odd"
logins=""
for i in $(seq 1 $((login_limit + 1))); do
    http POST "$base/api/v1/auth/%74oken" -H "X-Forwarded-For: 203.0.113.16" \
        --data-urlencode "username=nobody$i@example.com" --data-urlencode 'password=WrongPass123!'
    logins+="$HTTP_STATUS "
done
check_eq "login at a percent-encoded path: counted as a login ($login_limit, then 429)" \
    "$(printf '401 %.0s' $(seq 1 $login_limit))429 " "$logins"

# A forwarded address is taken only when it is an IP address: a 120-character one (with an
# Idempotency-Key, whose scope holds the client's address) is a normal registration, not a 500.
long="$(printf '1%.0s' $(seq 1 120))"
name="fwd$(date +%s%N | tail -c 9)"
http POST "$base/api/v1/auth/register" -H "X-Forwarded-For: $long" -H "Idempotency-Key: k-$name" \
    -H 'Content-Type: application/json' \
    -d "{\"username\":\"$name\",\"email\":\"$name@example.com\",\"password\":\"SecurePass123!\",\"password_confirm\":\"SecurePass123!\"}"
check_status "register with a 120-character X-Forwarded-For and an Idempotency-Key: 201" 201
# …and the status page is local by the socket's peer, never by a header.
http GET "$base/status" -H "X-Forwarded-For: 203.0.113.17"
check_status "status page through nginx (peer 127.0.0.1, forwarded 203.0.113.17): still local" 200

# 6. CORS through nginx.
http GET "$base/health" -H "Origin: http://localhost:3000"
check_eq "CORS allowed origin: Access-Control-Allow-Origin" "http://localhost:3000" "$(header Access-Control-Allow-Origin)"
check_eq "CORS allowed origin: credentials" "true" "$(header Access-Control-Allow-Credentials)"
check_eq "CORS allowed origin: Vary" "Origin" "$(header Vary)"
http GET "$base/health" -H "Origin: https://evil.example"
check_status "CORS other origin: still answered" 200
check "CORS other origin: no CORS header" "got: $(grep -i '^access-control' "$HTTP_HEADERS" | tr -d '\r' | tr '\n' ' ')" \
    bash -c '! grep -qi "^access-control-" "$1"' _ "$HTTP_HEADERS"
http OPTIONS "$base/api/v1/items/" -H "Origin: http://localhost:3000" \
    -H "Access-Control-Request-Method: POST" -H "Access-Control-Request-Headers: authorization, content-type"
check_status "CORS preflight from allowed origin: 200" 200
check_eq "preflight: Allow-Methods" "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT" "$(header Access-Control-Allow-Methods)"
check_eq "preflight: requested headers echoed" "authorization, content-type" "$(header Access-Control-Allow-Headers)"
check_eq "preflight: Max-Age 600" 600 "$(header Access-Control-Max-Age)"
check_eq "preflight: Allow-Origin" "http://localhost:3000" "$(header Access-Control-Allow-Origin)"
http OPTIONS "$base/api/v1/items/" -H "Origin: https://evil.example" -H "Access-Control-Request-Method: POST"
check_status "CORS preflight from other origin: 400" 400
check_jq "preflight refused: Disallowed CORS origin" '.detail == "Disallowed CORS origin"'
check_eq "preflight refused: no Allow-Origin" "" "$(header Access-Control-Allow-Origin)"
http GET "$base/api/v1/no-such-thing" -H "Origin: http://localhost:3000" -H "X-Forwarded-For: 203.0.113.14"
check_eq "CORS and rate-limit headers on a 404 too" "404 http://localhost:3000 $limit" \
    "$HTTP_STATUS $(header Access-Control-Allow-Origin) $(header X-RateLimit-Limit)"

# 7. Trusted hosts.
http GET "$base/health" -H "Host: evil.example"
check_status "bad Host: 400" 400
check_jq "bad Host: Invalid host header" '. == {"detail": "Invalid host header"}'
check "bad Host: still has X-Request-ID" "no X-Request-ID" test -n "$(header X-Request-ID)"
http GET "$base/health" -H "Host: api.example.test:8080"
check_status "Host matching *.example.test (port stripped): 200" 200
http GET "$base/health" -H "Host: example.test"
check_status "bare example.test does not match *.example.test: 400" 400

# 8. The main stack (huge limit) carries the headers on every counted response too.
http GET "$STACK_URL/api/v1/items/"
check "main stack: a list has X-RateLimit-Limit and -Remaining" "headers: $(tr -d '\r' <"$HTTP_HEADERS" | tr '\n' ' ')" \
    test -n "$(header X-RateLimit-Limit)" -a -n "$(header X-RateLimit-Remaining)"
http GET "$STACK_URL/api/v1/items/999999999"
check_eq "main stack: 404 has X-RateLimit-Limit" "404 ${RATE_LIMIT_MAX_REQUESTS:-100}" "$HTTP_STATUS $(header X-RateLimit-Limit)"

finish
