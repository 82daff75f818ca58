#!/usr/bin/env bash
# The password-hashing pool (issue 12): nginx sends the routes that run bcrypt (login and
# registration, however their paths are spelled) to a pool of their own, whose workers run at
# a lower CPU priority; every other route stays with the API pool; the status page shows both;
# the API answers while every hashing worker is busy. Which pool served a request is read from
# the pools' own logs (each has its LOG_FILE), by the request id the test sends.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
trap check_cleanup EXIT

api_master="$(read_pidfile "$STACK_POOL_PIDFILE")"
auth_master="$(read_pidfile "$STACK_AUTH_PIDFILE")"
check "the password-hashing pool runs" "no live master in $STACK_AUTH_PIDFILE" pid_alive "${auth_master:-x}"
# The count the stack started it with (scripts/test: AUTH_WORKERS), not what it happens to run.
auth_workers="${AUTH_WORKERS:-$(nproc)}"
check_eq "the password-hashing pool runs its $auth_workers workers" "$auth_workers" "$(worker_count "$auth_master")"

# The status page (answered by the API pool) shows both pools.
http GET "$STACK_URL/status?full"
check_status "status: 200" 200
check_jq "status: this page's pool is the API's, with its $WORKERS workers" \
    ".pool == \"api\" and .\"total processes\" == $WORKERS"
check_jq "status: \"pools\" lists the API pool and the password-hashing pool ($auth_workers workers, their pids)" \
    "([.pools[].pool] == [\"api\", \"auth\"]) and (.pools[1].\"total processes\" == $auth_workers)
     and ([.pools[1].processes[].pid] | sort) == ($(pool_workers "$auth_master" | jq -s -c 'sort'))"

# The hashing workers run at the lower priority (nice), the API's at the normal one.
nice_of() { awk '{ sub(/^.*\) /, ""); print $17 }' "/proc/$1/stat"; }
auth_nice="$(for w in $(pool_workers "$auth_master"); do nice_of "$w"; done | sort -u | tr '\n' ' ')"
api_nice="$(for w in $(pool_workers "$api_master"); do nice_of "$w"; done | sort -u | tr '\n' ' ')"
check_eq "hashing workers at nice ${AUTH_POOL_PRIORITY:-10}" "${AUTH_POOL_PRIORITY:-10} " "$auth_nice"
check_eq "API workers at nice 0" "0 " "$api_nice"

# request_through EXPECTED_POOL DESCRIPTION METHOD PATH [curl args...]: sends it with a fresh
# request id and checks the pool that logged it.
request_through() {
    local expected="$1" what="$2" method="$3" path="$4" id
    shift 4
    id="pools-$RANDOM$RANDOM$RANDOM"
    http "$method" "$STACK_URL$path" -H "X-Request-ID: $id" "$@"
    check_eq "$what ($method $path → $HTTP_STATUS) served by the $expected pool" "$expected" "$(pool_of_request "$id")"
}

name="pools$RANDOM$RANDOM"
password='Hashing-Pool-1'
request_through auth "registration" POST /api/v1/auth/register -H 'Content-Type: application/json' \
    -d "{\"username\":\"$name\",\"email\":\"$name@example.com\",\"password\":\"$password\",\"password_confirm\":\"$password\"}"
check_status "registration: 201" 201
request_through auth "login" POST /api/v1/auth/token --data-urlencode "username=$name@example.com" \
    --data-urlencode "password=$password"
check_status "login: 200" 200
token="$(jq -r .access_token <<<"$HTTP_BODY" 2>/dev/null || true)"
# Other spellings of the same operations: nginx normalizes them as the app does, so they reach
# the hashing pool too (which redirects the non-canonical ones, or answers the login).
request_through auth "login, percent-encoded" POST /api/v1/auth/%74oken --data-urlencode "username=$name@example.com" \
    --data-urlencode "password=wrong-password"
check_status "login, percent-encoded: the login's 401" 401
for path in "//api/v1/auth/token" "/api/v1/./auth/token" "/api/v1/x/../auth/register" "/api/v1//auth/register"; do
    request_through auth "another spelling" POST "$path" --path-as-is -H 'Content-Type: application/json' -d '{}'
done
# Everything else stays with the API pool, the other auth routes included.
request_through api "the item list" GET /api/v1/items/
request_through api "a refresh (no password hashing)" POST /api/v1/auth/refresh -H 'Content-Type: application/json' \
    -d '{"refresh_token":"not-a-token"}'
request_through api "the profile" GET /api/v1/users/profile -H "Authorization: Bearer $token"
request_through api "a new item" POST /api/v1/items/ -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -d '{"title":"from the API pool"}'

# While every hashing worker is busy with bcrypt (registrations: their rate limit is the test
# stack's raised general one), the API pool still answers. Not timed: it answers at all.
busy=$((auth_workers * 6))
for ((i = 1; i <= busy; i++)); do
    curl -s -o /dev/null -m 60 -H 'Content-Type: application/json' "$STACK_URL/api/v1/auth/register" \
        -d "{\"username\":\"${name}b$i\",\"email\":\"${name}b$i@example.com\",\"password\":\"$password\",\"password_confirm\":\"$password\"}" &
done
saturated() {
    curl -s "$STACK_URL/status" | jq -e --argjson n "$auth_workers" '.pools[] | select(.pool == "auth") | ."active processes" == $n' >/dev/null
}
if wait_until 10000 saturated; then
    ok "status: all $auth_workers hashing workers busy with registrations"
    http GET "$STACK_URL/api/v1/items/$TEST_ITEM1_ID"
    check_status "the API answers while the hashing pool is saturated" 200
    check "the hashing pool was still saturated then" "it had drained already" saturated
else
    fail "status: all $auth_workers hashing workers busy with registrations" "never saw them all busy"
fi
wait

finish
