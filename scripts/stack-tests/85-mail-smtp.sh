#!/usr/bin/env bash
# Mail through a real SMTP server (aiosmtpd, started here with a self-signed certificate):
#   - registration writes the user and the welcome-mail job in one transaction; `JobRunner run
#     once` over smtp+starttls:// with AUTH delivers it: right recipient, the seed's Japanese
#     subject (RFC 2047) and body (UTF-8, base64); certificate verification is on by default
#     (without ca_file the self-signed server is refused and the job waits for a retry);
#   - smtps:// and plain smtp:// deliver too; a bad MAIL_URL stops the runner with one line;
#   - a campaign to N recipients (admin) delivers N mails and its task reports PENDING, then
#     SUCCESS with the counts; a 451 answer is retried (and then delivered), a 550 fails at
#     once; that campaign ends as FAILURE with sent/failed counts.
# A pool of its own (own database, so the stack's --loop runner does not take these jobs)
# behind its own nginx serves the HTTP part.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=mail-lib.sh
. "$stack_tests_dir/mail-lib.sh"
# shellcheck source=../lib/nginx.sh
. "$stack_tests_dir/../lib/nginx.sh"

work="$TEST_TMP/mail-smtp"
mkdir -p "$work"
pool_pidfile="$STACK_RUN/mail-pool.pid"
nginx_pidfile="$STACK_RUN/nginx-mail.pid"
trap 'nginx_stop "$nginx_pidfile"; pool_stop "$pool_pidfile"; smtp_sink_stop "$STACK_RUN/smtp-mail.pid"; check_cleanup' EXIT
started=$SECONDS

check "aiosmtpd installed (${SMTP_REQUIREMENTS[*]})" "pip install into $smtp_venv failed" smtp_ensure_venv
check "self-signed certificate for 127.0.0.1" "openssl req failed" smtp_make_cert "$work"
check "SMTP server (STARTTLS and smtps) started" "see $work/mail.log" smtp_sink_start mail "$work"

# --- a pool with its own database ---------------------------------------------------------
RUNNER_DB=app_mail
migrated_test_db "$RUNNER_DB" "$work/migrate.log"
RUNNER_DB_URL="$TEST_DB_URL"
sock="$STACK_RUN/mail.sock"
DATABASE_URL="$RUNNER_DB_URL" LOG_FILE="$STACK_LOGS/mail-pool.log" APP_CWD="$TEST_DIR" \
    pool_start_standalone "$sock" "$pool_pidfile" "$STACK_LOGS/mail-pool.stderr.log" --workers 2
port="$(free_port $((STACK_PORT + 50)))"
nginx_render "$work/nginx" "$port" "$sock" "$STACK_WS_PORT" "$nginx_pidfile"
nginx_start "$work/nginx" "$nginx_pidfile"
api="http://127.0.0.1:$port/api/v1"
wait_ready "http://127.0.0.1:$port" 30 "$(read_pidfile "$pool_pidfile")" "$STACK_LOGS/mail-pool.stderr.log"
json=(-H 'Content-Type: application/json')
starttls="smtp+starttls://$SMTP_USER:$(urlencode "$SMTP_PASSWORD")@127.0.0.1:$SINK_PORT"

# --- the welcome mail ------------------------------------------------------------------------
name="mailuser$RANDOM"
address="$name@example.com"
http POST "$api/auth/register" "${json[@]}" \
    -d "{\"username\":\"$name\",\"email\":\"$address\",\"password\":\"Welcome-Pass-1\",\"password_confirm\":\"Welcome-Pass-1\"}"
check_status "register: 201" 201
check_eq "the welcome-mail job was written with the user (queued)" "1 queued" \
    "$(db_value "SELECT count(*) || ' ' || min(state) FROM jobs WHERE kind = 'mail' AND payload->>'to' = '$address'")"
http POST "$api/auth/register" "${json[@]}" \
    -d "{\"username\":\"${name}x\",\"email\":\"$address\",\"password\":\"Welcome-Pass-1\",\"password_confirm\":\"Welcome-Pass-1\"}"
check_status "the same email again: 409" 409
check_eq "a refused registration writes no job" 1 \
    "$(db_value "SELECT count(*) FROM jobs WHERE payload->>'to' = '$address'")"

# Verification is on by default: without ca_file the self-signed server is refused.
runner MAIL_URL="$starttls" JOB_RETRY_DELAY_SECONDS=1 -- run once
check_eq "runner without ca_file: exits 0" 0 "$RUNNER_RC"
check_eq "certificate verification on by default: nothing delivered" 0 "$(sink_count)"
state="$(db_value "SELECT state || ': ' || coalesce(last_error, '') FROM jobs WHERE payload->>'to' = '$address'")"
check "the job waits for a retry with the verification error as last error" "got: $(shorten "$state")" \
    bash -c '[[ "$1" == retrying:*certificate* ]]' _ "$state"
check "the runner's log holds no SMTP password" "password found in the runner's output" \
    bash -c '! grep -qF -- "$1" <<<"$2"' _ "$SMTP_PASSWORD" "$RUNNER_OUT"

sleep 1.2
runner MAIL_URL="$starttls?ca_file=$work/cert.pem" MAIL_FROM='MyAPI <noreply@example.com>' -- run once
check_eq "runner with ca_file (STARTTLS, AUTH): exits 0" 0 "$RUNNER_RC"
check_eq "one mail delivered" 1 "$(sink_count)"
check_eq "welcome mail: envelope recipient" "$address" "$(sink_jq '.[0].to | join(",")')"
check_eq "welcome mail: envelope sender from MAIL_FROM" "noreply@example.com" "$(sink_jq '.[0].from')"
check_eq "welcome mail: subject (decoded)" "ご登録ありがとうございます" "$(sink_jq '.[0].subject')"
check "welcome mail: subject sent as RFC 2047 encoded words" "raw: $(sink_jq '.[0].raw_subject')" \
    grep -q '^=?UTF-8?B?' <<<"$(sink_jq '.[0].raw_subject')"
check_eq "welcome mail: UTF-8 body" "${name}様、登録が完了しました。" "$(sink_jq '.[0].body | rtrimstr("\n")')"
check_eq "welcome mail: text/plain UTF-8, base64" "text/plain; charset=utf-8 base64" \
    "$(sink_jq '.[0].content_type + " " + .[0].transfer_encoding')"
check_eq "welcome mail: over TLS, authenticated" "true true" "$(sink_jq '"\(.[0].tls) \(.[0].auth != null)"')"
check_eq "the job: succeeded after 2 attempts" "succeeded 2" \
    "$(db_value "SELECT state || ' ' || attempts FROM jobs WHERE payload->>'to' = '$address'")"

# smtps:// and plain smtp:// (no credentials).
db_value "INSERT INTO jobs (kind, payload) VALUES
    ('mail', '{\"to\": \"smtps@example.com\", \"subject\": \"over smtps\", \"body\": \"implicit TLS\"}')" >/dev/null
runner MAIL_URL="smtps://$SMTP_USER:$(urlencode "$SMTP_PASSWORD")@127.0.0.1:$SINK_TLS_PORT?ca_file=$work/cert.pem" -- run once
check_eq "smtps:// delivers (TLS from the first byte)" "smtps@example.com true" \
    "$(sink_jq '[.[] | select(.subject == "over smtps")][0] | "\(.to[0]) \(.tls)"')"
db_value "INSERT INTO jobs (kind, payload) VALUES
    ('mail', '{\"to\": \"plain@example.com\", \"subject\": \"over plain smtp\", \"body\": \"line one\n.starts with a dot\n.\nlast\"}')" >/dev/null
runner MAIL_URL="smtp://127.0.0.1:$SINK_PORT" -- run once
check_eq "smtp:// delivers (no TLS)" "plain@example.com false" \
    "$(sink_jq '[.[] | select(.subject == "over plain smtp")][0] | "\(.to[0]) \(.tls)"')"
check_eq "dot-stuffing: lines starting with '.' (and a lone '.') arrive intact" \
    "$(printf 'line one\n.starts with a dot\n.\nlast')" \
    "$(sink_jq '[.[] | select(.subject == "over plain smtp")][0].body | rtrimstr("\n")')"

runner MAIL_URL="smtp://user:pw@127.0.0.1:$SINK_PORT" -- run once
check_eq "credentials over plain smtp:// are refused at start-up (exit 78)" 78 "$RUNNER_RC"
check "… with one clear line naming MAIL_URL" "got: $(shorten "$RUNNER_OUT")" \
    bash -c '[[ "$(grep -c . <<<"$1")" == 1 && "$1" == *"MAIL_URL"* && "$1" != *"pw@"* ]]' _ "$RUNNER_OUT"

# --- campaigns ---------------------------------------------------------------------------------
admin_password="Admin-Pass-$RANDOM"
printf '%s\n' "$admin_password" | (cd "$TEST_DIR" && DATABASE_URL="$RUNNER_DB_URL" BCRYPT_COST=4 \
    "$FCGIAPP_BIN" user create --admin --username "admin$RANDOM" --email "admin-$name@example.com") >"$work/admin.log" 2>&1 ||
    fail "create an admin" "$(tail -2 "$work/admin.log")"
http POST "$api/auth/token" --data-urlencode "username=admin-$name@example.com" --data-urlencode "password=$admin_password"
admin=(-H "Authorization: Bearer $(jq -r '.access_token // empty' <<<"$HTTP_BODY" 2>/dev/null || true)")
http POST "$api/auth/token" --data-urlencode "username=$address" --data-urlencode "password=Welcome-Pass-1"
user=(-H "Authorization: Bearer $(jq -r '.access_token // empty' <<<"$HTTP_BODY" 2>/dev/null || true)")

n=6
recipients="$(for i in $(seq 1 $n); do printf '"c%s-%s@example.com",' "$i" "$name"; done)\"C1-$name@example.com\""
campaign_body="{\"recipient_emails\":[$recipients],\"subject\":\"新機能のお知らせ $name\",\"body\":\"いつもご利用ありがとうございます。\\n新しい機能を公開しました。\"}"
http POST "$api/campaigns/send" "${json[@]}" "${user[@]}" -d "$campaign_body"
check_status "campaign by a non-admin: 403" 403
http POST "$api/campaigns/send" "${json[@]}" -d "$campaign_body"
check_status "campaign without a token: 401" 401
http POST "$api/campaigns/send" "${json[@]}" "${admin[@]}" -d '{"recipient_emails":["not-an-address"],"subject":"x\ny","body":""}'
check_status "campaign with bad fields: 422" 422
check_jq "… every bad field reported" '[.errors[].field] | sort == ["body -> body", "body -> recipient_emails -> 0", "body -> subject"]'
http POST "$api/campaigns/send" "${json[@]}" "${admin[@]}" -d "$campaign_body"
check_status "campaign by the admin: 200" 200
check_jq "campaign: task_id and status queued" '(.task_id | test("^[0-9a-f-]{36}$")) and .status == "queued"'
task="$(jq -r '.task_id // empty' <<<"$HTTP_BODY" 2>/dev/null || true)"
http GET "$api/campaigns/tasks/$task"
check_jq "task before the runner: PENDING, result null" '.task_id == "'"$task"'" and .status == "PENDING" and .result == null'
http GET "$api/campaigns/tasks/never-issued-id"
check_status "unknown task id: 404" 404
before="$(sink_count)"
runner MAIL_URL="$starttls?ca_file=$work/cert.pem" -- run once
check_eq "campaign: $n recipients (one duplicate folded) → $n mails delivered" "$n" "$(( $(sink_count) - before ))"
check_eq "campaign mails: subject and UTF-8 body" "$n" \
    "$(sink_jq "[.[] | select(.subject == \"新機能のお知らせ $name\" and .body == \"いつもご利用ありがとうございます。\\n新しい機能を公開しました。\")] | length")"
http GET "$api/campaigns/tasks/$task"
check_jq "task after the runner: SUCCESS with sent $n, failed 0" '.status == "SUCCESS" and .result == {"sent": '"$n"', "failed": 0}'

# 4xx is retried, 5xx fails at once.
http POST "$api/campaigns/send" "${json[@]}" "${admin[@]}" \
    -d "{\"recipient_emails\":[\"ok-$name@example.com\",\"tempfail-$name@example.com\",\"reject-$name@example.com\"],\"subject\":\"partial $name\",\"body\":\"x\"}"
task2="$(jq -r '.task_id // empty' <<<"$HTTP_BODY" 2>/dev/null || true)"
runner MAIL_URL="$starttls?ca_file=$work/cert.pem" JOB_RETRY_DELAY_SECONDS=1 -- run once
check_eq "after one run: the 451 recipient waits for a retry (attempt 1, last error 451)" "retrying 1 451" \
    "$(db_value "SELECT state || ' ' || attempts || ' ' || substring(last_error from '([0-9]{3}) ') FROM jobs WHERE payload->>'to' = 'tempfail-$name@example.com'")"
check_eq "after one run: the 550 recipient failed at once (attempt 1, last error 550)" "failed 1 550" \
    "$(db_value "SELECT state || ' ' || attempts || ' ' || substring(last_error from '([0-9]{3}) ') FROM jobs WHERE payload->>'to' = 'reject-$name@example.com'")"
http GET "$api/campaigns/tasks/$task2"
check_jq "task with a recipient to retry: RETRY" '.status == "RETRY" and .result == null'
sleep 1.2
runner MAIL_URL="$starttls?ca_file=$work/cert.pem" JOB_RETRY_DELAY_SECONDS=1 -- run once
check_eq "after the retry delay: the 451 recipient delivered on attempt 2" "succeeded 2" \
    "$(db_value "SELECT state || ' ' || attempts FROM jobs WHERE payload->>'to' = 'tempfail-$name@example.com'")"
check_eq "the 550 recipient was never delivered" 0 "$(sink_jq "[.[] | select(.to[0] == \"reject-$name@example.com\")] | length")"
http GET "$api/campaigns/tasks/$task2"
check_jq "task with a refused recipient: FAILURE, sent 2, failed 1" '.status == "FAILURE" and .result == {"sent": 2, "failed": 1}'

runner -- status
check "JobRunner status: counts by state" "got: $(shorten "$RUNNER_OUT")" \
    bash -c '[[ "$1" == *"queued"*"running"*"retrying"*"succeeded"*"failed"* ]] && grep -qE "^failed +1$" <<<"$1"' _ "$RUNNER_OUT"
info "mail test: $((SECONDS - started))s"
finish
