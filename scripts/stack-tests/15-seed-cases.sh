#!/usr/bin/env bash
# The seed article's own test cases (its section 12: tests/test_users.py, tests/test_items.py),
# run through nginx → FastCGI pool → PostgreSQL with curl, plus the token flow a seed client uses.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
trap check_cleanup EXIT

api="$STACK_URL/api/v1"
run="$(date +%s%N)"
json=(-H 'Content-Type: application/json')

register() { # USERNAME EMAIL PASSWORD
    http POST "$api/auth/register" "${json[@]}" \
        -d "{\"username\":\"$1\",\"email\":\"$2\",\"password\":\"$3\",\"password_confirm\":\"$3\"}"
}

# test_register_success
register "newuser$run" "new$run@example.com" 'SecurePass123!'
check_status "seed: register_success → 201" 201
check_jq "seed: register_success body has user_id and message 登録完了" '(.user_id | type == "number") and .message == "登録完了"'

# test_register_duplicate_email
register "user1$run" "dup$run@example.com" 'Pass123!xx'
register "user2$run" "dup$run@example.com" 'Pass123!xx'
check_status "seed: register_duplicate_email → 409" 409
check_jq "seed: duplicate email message" '.detail == "このメールアドレスは既に登録されています"'

# test_login_success
register "logintest$run" "login$run@example.com" 'TestPass123!'
http POST "$api/auth/token" --data-urlencode "username=login$run@example.com" --data-urlencode 'password=TestPass123!'
check_status "seed: login_success → 200" 200
check_jq "seed: login returns access_token and token_type bearer" '(.access_token | type == "string") and .token_type == "bearer"'
access="$(jq -r .access_token <<<"$HTTP_BODY" 2>/dev/null || true)"
refresh="$(jq -r .refresh_token <<<"$HTTP_BODY" 2>/dev/null || true)"
auth=(-H "Authorization: Bearer $access")

# test_get_profile_unauthorized
http GET "$api/users/profile"
check_status "seed: get_profile_unauthorized → 401" 401
check_eq "seed: 401 carries WWW-Authenticate: Bearer" "Bearer" "$(header WWW-Authenticate)"

# test_get_profile_authorized
http GET "$api/users/profile" "${auth[@]}"
check_status "seed: get_profile_authorized → 200" 200
check_jq "seed: profile has username and email, no password hash" \
    '(.username | type == "string") and (.email | type == "string") and (has("hashed_password") | not)'

# test_update_profile
http PATCH "$api/users/me" "${auth[@]}" "${json[@]}" -d '{"full_name": "Test User"}'
check_status "seed: update_profile → 200" 200
check_jq "seed: full_name updated" '.full_name == "Test User"'

# test_pagination
http GET "$api/users/?page=1&per_page=10" "${auth[@]}"
check_status "seed: pagination → 200" 200
check_jq "seed: pagination has users, total, per_page 10" '(.users | type == "array") and (.total | type == "number") and .per_page == 10'

# test_create_item
http POST "$api/items/" "${auth[@]}" "${json[@]}" -d '{"title": "テストアイテム", "price": 1000}'
check_status "seed: create_item → 201" 201
check_jq "seed: created item title and price" '.title == "テストアイテム" and .price == 1000'
item="$(jq -r .id <<<"$HTTP_BODY" 2>/dev/null || echo 0)"

# test_get_item_not_found
http GET "$api/items/99999"
check_status "seed: get_item_not_found → 404" 404

# FastAPI's order: credentials before the input is validated, a body that is not JSON before both.
http POST "$api/items/" "${json[@]}" -d '{"title": ""}'
check_status "no token and an invalid item → 401, as FastAPI (dependencies first)" 401
http PATCH "$api/items/0" "${json[@]}" -d '{"price": -1}'
check_status "no token, an invalid id and body → 401" 401
http POST "$api/items/" "${json[@]}" -d '{"title": '
check_status "no token and a body that is not JSON → 422 (FastAPI reads the body first)" 422
check_jq "… json_invalid" '.errors[0].type == "json_invalid"'
http POST "$api/items/" "${auth[@]}" "${json[@]}" -d '{"title": ""}'
check_status "a token and an invalid item → 422" 422

# Beyond the seed: ETag round trip, refresh rotation, logout.
http GET "$api/items/$item"
etag="$(header ETag)"
check "item read has an ETag" "no ETag header" test -n "$etag"
http GET "$api/items/$item" -H "If-None-Match: $etag"
check_status "If-None-Match with the current tag → 304" 304
http PATCH "$api/items/$item" "${auth[@]}" "${json[@]}" -H 'If-Match: "stale"' -d '{"price": 1}'
check_status "If-Match with a stale tag → 412" 412

http POST "$api/auth/refresh" "${json[@]}" -d "{\"refresh_token\":\"$refresh\"}"
check_status "refresh → 200 with a new pair" 200
http POST "$api/auth/refresh" "${json[@]}" -d "{\"refresh_token\":\"$refresh\"}"
check_status "the same refresh token again → 401" 401
check_jq "reused refresh token message" '.detail == "無効なリフレッシュトークン"'

http POST "$api/items/" "${auth[@]}" "${json[@]}" -H "Idempotency-Key: k$run" -d '{"title": "once"}'
first="$HTTP_BODY"
http POST "$api/items/" "${auth[@]}" "${json[@]}" -H "Idempotency-Key: k$run" -d '{"title": "once"}'
check_eq "Idempotency-Key: the retry gets the first answer" "$first" "$HTTP_BODY"

# What the pool logged for all of the above: one line per request, never a secret.
log="${LOG_FILE:-$STACK_POOL_LOG}"
check "log: access lines were written" "no Request line in $log" grep -q '"msg":"Request"' "$log"
check "log: no password" "a password is in $log" bash -c '! grep -qF -e "TestPass123!" -e "SecurePass123!" "$1"' _ "$log"
check "log: no access or refresh token" "a token is in $log" \
    bash -c '! grep -qF -e "$2" -e "$3" "$1"' _ "$log" "${access:-none}" "${refresh:-none}"
check "log: no password hash" "a bcrypt hash is in $log" bash -c '! grep -qE "\\\$2[aby]\\\$" "$1"' _ "$log"

finish
