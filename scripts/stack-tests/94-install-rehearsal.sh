#!/usr/bin/env bash
# A production rehearsal: scripts/install into a fresh root (a test user, its own PostgreSQL),
# `systemd-analyze verify` on every unit, the services started exactly as their units say, and
# then what a user sees: scripts/smoke over HTTPS through the installed nginx config, downloads
# the nginx way (X-Accel-Redirect, Range), ACME challenges, TLS sessions, the job runner's unit
# delivering a welcome mail, the socket's permissions, and a second install that keeps the secret.
# Also: a DESTDIR install stages files only; the dev config serves downloads too.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=rehearsal-lib.sh
. "$stack_tests_dir/rehearsal-lib.sh"

dir="$TEST_TMP/rehearsal-94"
mkdir -p "$dir"
rehearsal_setup install || { finish; exit 1; }

# --- the units -------------------------------------------------------------------------------
units=()
for u in fcgiapp-pool@api.service fcgiapp-pool@auth.service fcgiapp-chat@1.service fcgiapp-jobs.service \
    fcgiapp-jobs.timer fcgiapp-nginx.service; do
    units+=("$UNITDIR/$u")
done
# verify prints nothing when every unit, command and path is right (it exits 0 on some warnings).
if out="$(systemd-analyze verify "${units[@]}" 2>&1)" && [[ -z "$out" ]]; then
    ok "systemd-analyze verify: both pools, chat, jobs service and timer, nginx"
else
    fail "systemd-analyze verify" "$(shorten "$out")"
fi
for u in fcgiapp-pool@.service fcgiapp-chat@.service fcgiapp-jobs.service fcgiapp-nginx.service; do
    for key in Restart ExecReload KillSignal NoNewPrivileges ProtectSystem PrivateTmp ReadWritePaths; do
        [[ -n "$(unit_value "$UNITDIR/$u" "$key")" ]] || fail "$u declares $key" "missing"
    done
done
ok "every service unit declares Restart, ExecReload, KillSignal and its hardening"

# --- permissions -------------------------------------------------------------------------------
check_eq "env file: root's, mode 600" "600 root root" "$(stat -c '%a %U %G' "$CONFDIR/env")"
check "env file: a generated SECRET_KEY" "none in $CONFDIR/env" grep -Eq '^SECRET_KEY=[0-9a-f]{64}$' "$CONFDIR/env"
check_eq "runtime folder: app user, group www-data, setgid, no access for others" \
    "2750 $REHEARSAL_USER www-data" "$(stat -c '%a %U %G' "$RUNDIR")"
check_eq "log folder: app user, group adm, others pass through only" "751 $REHEARSAL_USER adm" "$(stat -c '%a %U %G' "$LOGDIR")"
check_eq "private key: root only" "600 root" "$(stat -c '%a %U' "$CONFDIR/tls/privkey.pem")"
check_eq "system user: no login shell" "/usr/sbin/nologin" "$(getent passwd "$REHEARSAL_USER" | cut -d: -f7)"

# --- a second run: idempotent, keeps the secret and the edited upstreams -------------------------
sum_before="$(sha256sum "$CONFDIR/env" | cut -d' ' -f1)"
printf '# edited by the operator\n' >>"$CONFDIR/nginx/upstreams.conf"
# …as written by an install from before the password-hashing pool (no fcgi_auth_pool).
sed -i '/^# The password-hashing pool/,/^}/d' "$CONFDIR/nginx/upstreams.conf"
if "$REPO_ROOT/scripts/install" --bin-dir "$SCRATCH_PATH/release" "${REHEARSAL_INSTALL_ARGS[@]}" >"$dir/second.log" 2>&1; then
    ok "a second scripts/install succeeds"
else
    fail "a second scripts/install succeeds" "$(tail -3 "$dir/second.log")"
fi
check_eq "the second run keeps the env file (and its SECRET_KEY)" "$sum_before" "$(sha256sum "$CONFDIR/env" | cut -d' ' -f1)"
check "the second run keeps the operator's upstreams.conf" "overwritten" grep -q '^# edited by the operator' "$CONFDIR/nginx/upstreams.conf"
check "…and adds the password-hashing pool's upstream an older install lacks" "no fcgi_auth_pool in upstreams.conf" \
    grep -q "^upstream fcgi_auth_pool {" "$CONFDIR/nginx/upstreams.conf"

# --- the services, from their units ---------------------------------------------------------------
rehearsal_up || { finish; exit 1; }
sock="$RUNDIR/pool-api.sock"
check_eq "pool socket: mode 660, group www-data" "660 $REHEARSAL_USER www-data" "$(stat -c '%a %U %G' "$sock")"
check "www-data (nginx) can talk to the pool's socket" "no answer as www-data" \
    bash -c 'setpriv --reuid=www-data --regid=www-data --init-groups env -i REQUEST_METHOD=GET SCRIPT_NAME=/health REQUEST_URI=/health cgi-fcgi -bind -connect "$1" 2>&1 | grep -q "\"status\":\"ok\""' _ "$sock"
check "nobody else can (user nobody is refused)" "nobody reached the socket" \
    bash -c '! setpriv --reuid=nobody --regid=nogroup --clear-groups env -i REQUEST_METHOD=GET SCRIPT_NAME=/health REQUEST_URI=/health cgi-fcgi -bind -connect "$1" 2>/dev/null | grep -q status' _ "$sock"
master="$(rehearsal_mainpid fcgiapp-pool@api.service)"
check_eq "the pool runs as the unit's user" "$REHEARSAL_USER" "$(ps -o user= -p "$master" | tr -d ' ')"
# The password-hashing pool: its settings file, its workers' priority, and both pools on the
# status page (their scoreboards in the runtime folder).
check "pool-auth.env: POOL_PRIORITY=10" "$(tr '\n' ' ' <"$CONFDIR/pool-auth.env" 2>/dev/null | tail -c 80)" \
    grep -qx 'POOL_PRIORITY=10' "$CONFDIR/pool-auth.env"
auth_master="$(rehearsal_mainpid fcgiapp-pool@auth.service)"
check_eq "the hashing pool's workers at nice 10" "10" \
    "$(for w in $(pool_workers "$auth_master"); do ps -o ni= -p "$w"; done | tr -d ' ' | sort -u | xargs)"

# scripts/smoke, unchanged, over HTTPS through the installed nginx configuration.
if CURL_OPTS=-k "$REPO_ROOT/scripts/smoke" "$REHEARSAL_URL" >"$dir/smoke.out" 2>&1; then
    ok "scripts/smoke over HTTPS through the installed config ($(tail -n 1 "$dir/smoke.out"))"
else
    fail "scripts/smoke over HTTPS through the installed config" "$(grep '^FAIL' "$dir/smoke.out" | head -5 | tr '\n' ' ')"
fi

# --- downloads: the worker checks, nginx sends -------------------------------------------------------
# download_checks BASE_URL FILES_DIR LABEL [curl args]: a PDF placed as FILES_DIR/ID.pdf comes back
# whole and in ranges, with the seed's headers; unknown ids and the internal path are 404.
download_checks() {
    local base="$1" files="$2" label="$3" id=424242
    shift 3
    head -c 225000 /dev/urandom | base64 -w 76 >"$dir/doc.bin"
    { printf '%%PDF-1.4\n'; cat "$dir/doc.bin"; } >"$files/$id.pdf"
    chmod 0644 "$files/$id.pdf"
    http GET "$base/api/v1/download/$id" "$@"
    check_status "$label: GET /api/v1/download/{id} 200" 200
    check_eq "$label: Content-Type application/pdf" "application/pdf" "$(header Content-Type)"
    check_eq "$label: Content-Disposition as the seed's FileResponse" 'attachment; filename="document.pdf"' "$(header Content-Disposition)"
    check "$label: the body is the file, byte for byte" "differs" \
        bash -c 'curl -sS "${@:3}" "$1" | cmp -s - "$2"' _ "$base/api/v1/download/$id" "$files/$id.pdf" "$@"
    check_eq "$label: no X-Accel-Redirect reaches the client" "" "$(header X-Accel-Redirect)"
    http GET "$base/api/v1/download/$id" -H 'Range: bytes=0-7' "$@"
    check_status "$label: a Range request gets 206" 206
    check_eq "$label: Content-Range" "bytes 0-7/$(stat -c %s "$files/$id.pdf")" "$(header Content-Range)"
    check_eq "$label: the range's bytes" "%PDF-1.4" "$HTTP_BODY"
    http GET "$base/api/v1/download/$((id + 1))" "$@"
    check_status "$label: unknown id 404" 404
    check_jq "$label: 404 body is JSON" '.detail == "ファイルが見つかりません"'
    http GET "$base/_files/$id.pdf" "$@"
    check_status "$label: the internal location is not reachable from outside" 404
    http GET "$base/api/v1/download/0" "$@"
    check_status "$label: id 0 is 422" 422
    rm -f "$files/$id.pdf"
}
download_checks "$REHEARSAL_URL" "$STATEDIR/files" "prod" -k
download_checks "$STACK_URL" "$FILES_DIR" "dev"

# --- TLS as users do it ----------------------------------------------------------------------------
token="rehearsal-$RANDOM$RANDOM"
printf '%s\n' "$token" >"$STATEDIR/acme/.well-known/acme-challenge/$token"
http GET "http://127.0.0.1:$REHEARSAL_HTTP_PORT/.well-known/acme-challenge/$token" -H 'Host: localhost'
check_status "ACME http-01: the challenge file over plain HTTP (certbot --webroot)" 200
check_eq "ACME http-01: its content" "$token" "$HTTP_BODY"
http GET "http://127.0.0.1:$REHEARSAL_HTTP_PORT/api/v1/items/" -H 'Host: localhost'
check_status "plain HTTP elsewhere redirects to HTTPS" 301
rm -f "$STATEDIR/acme/.well-known/acme-challenge/$token"
# TLS sessions are resumed from nginx's shared cache.
echo | openssl s_client -connect "127.0.0.1:$REHEARSAL_HTTPS_PORT" -servername localhost -tls1_2 \
    -sess_out "$dir/tls.session" >/dev/null 2>&1 || true
if echo | openssl s_client -connect "127.0.0.1:$REHEARSAL_HTTPS_PORT" -servername localhost -tls1_2 \
    -sess_in "$dir/tls.session" 2>/dev/null | grep -q '^Reused'; then
    ok "TLS: a session is resumed (ssl_session_cache)"
else
    fail "TLS: a session is resumed (ssl_session_cache)" "not reused"
fi
check "TLS: OCSP stapling configured (nginx -T)" "ssl_stapling not in the installed config" \
    bash -c '"$1" -T -c "$2" 2>/dev/null | grep -q "ssl_stapling on;"' _ "$NGINX_BIN" "$CONFDIR/nginx/nginx.conf"

# --- the job runner's unit: a registration's welcome mail lands in the maildir ----------------------
user="rehearsal$RANDOM"
http POST "$REHEARSAL_URL/api/v1/auth/register" -k -H 'Content-Type: application/json' \
    -d "{\"username\":\"$user\",\"email\":\"$user@example.com\",\"password\":\"rehearsal-pass-1\",\"password_confirm\":\"rehearsal-pass-1\"}"
check_status "register a user through the installed stack" 201
if rehearsal_start fcgiapp-jobs.service; then
    check "fcgiapp-jobs.service (JobRunner run once) delivered the welcome mail" "no mail to $user@example.com in $STATEDIR/mail/new" \
        bash -c 'grep -l "$1" "$2"/new/* >/dev/null 2>&1' _ "$user@example.com" "$STATEDIR/mail"
    check "the job run logged into its LOG_FILE" "no lines in $LOGDIR/jobs.log" grep -q '"msg":"Job runner started"' "$LOGDIR/jobs.log"
fi

# --- DESTDIR: staged files only ------------------------------------------------------------------
stage="$dir/stage"
if DESTDIR="$stage" "$REPO_ROOT/scripts/install" --bin-dir "$SCRATCH_PATH/release" --user "fcgiapp-s$$" >"$dir/stage.log" 2>&1; then
    ok "DESTDIR install"
    check "DESTDIR: files staged below it" "no binary in $stage/usr/local/lib/fcgiapp/bin" test -x "$stage/usr/local/lib/fcgiapp/bin/FCGIApp"
    check "DESTDIR: the units name the final paths" "staged path in a unit" \
        grep -q '^Environment=LOG_FILE=/var/log/fcgiapp/pool-%i.log FCGI_LISTEN=/run/fcgiapp/pool-%i.sock .*SCOREBOARD_DIR=/run/fcgiapp$' "$stage/etc/systemd/system/fcgiapp-pool@.service"
    check "DESTDIR: no unit names the staging folder" "$stage in a unit" \
        bash -c '! grep -rqF "$1" "$2"' _ "$stage" "$stage/etc/systemd/system"
    check "DESTDIR: no user made on the host" "user fcgiapp-s$$ exists" bash -c '! getent passwd "$1" >/dev/null' _ "fcgiapp-s$$"
else
    fail "DESTDIR install" "$(tail -3 "$dir/stage.log")"
fi

finish
