# shellcheck shell=bash
# Where a production install puts things, and how the files of deploy/ and nginx/ are rendered
# for it. Used by scripts/install and by the stack tests that rehearse a deployment. Source after
# common.sh.
#
# The files in deploy/ (systemd units, logrotate, tmpfiles, reopen-logs) and nginx/prod.conf,
# nginx/upstreams.conf are written for the default layout, with real paths, so they read (and
# `nginx -t`) as they are:
#   /usr/local/lib/fcgiapp     binaries (bin/), migrations/, reopen-logs      LIBDIR
#   /etc/fcgiapp               env (the settings), nginx/, tls/               CONFDIR
#   /var/lib/fcgiapp           files/, acme/, mail/, nginx/ (temp files)      STATEDIR
#   /var/log/fcgiapp           pool-NAME.log, chat-N.log, jobs.log, nginx/    LOGDIR
#   /run/fcgiapp               sockets, pid files, the job runner's lock      RUNDIR
#   /run/nginx-fcgiapp.pid     nginx's pid file (root's folder)              NGINX_PID_FILE
#   user and group fcgiapp (APP_USER), nginx's workers www-data (WEB_USER)
# deploy_render rewrites exactly these literal values into the chosen ones.

# shellcheck disable=SC2034  # read by scripts/install
DEPLOY_SOURCES="$REPO_ROOT/deploy"

# deploy_layout: the install's paths from PREFIX, SYSCONFDIR, LOCALSTATEDIR, RUNSTATEDIR and the
# rest (each may be set by the caller; defaults as above). Exports nothing.
deploy_layout() {
    : "${PREFIX:=/usr/local}" "${SYSCONFDIR:=/etc}" "${LOCALSTATEDIR:=/var}" "${RUNSTATEDIR:=/run}"
    : "${APP_USER:=fcgiapp}" "${WEB_USER:=www-data}"
    : "${UNITDIR:=$SYSCONFDIR/systemd/system}"
    : "${SERVER_NAME:=api.example.com}" "${HTTP_LISTEN:=80}" "${HTTPS_LISTEN:=443}"
    : "${NGINX_BIN:=$(command -v nginx || echo /usr/sbin/nginx)}"
    LIBDIR="$PREFIX/lib/fcgiapp"
    CONFDIR="$SYSCONFDIR/fcgiapp"
    STATEDIR="$LOCALSTATEDIR/lib/fcgiapp"
    LOGDIR="$LOCALSTATEDIR/log/fcgiapp"
    RUNDIR="$RUNSTATEDIR/fcgiapp"
    NGINX_PID_FILE="$RUNSTATEDIR/nginx-fcgiapp.pid"
    if [[ -z "${RESOLVERS:-}" ]]; then
        # The host's own name servers, for OCSP stapling (nginx needs IPv6 ones in brackets).
        RESOLVERS="$(awk '$1 == "nameserver" { a = $2; if (a ~ /:/) a = "[" a "]"; printf "%s ", a }' \
            /etc/resolv.conf 2>/dev/null || true)"
        RESOLVERS="${RESOLVERS% }"
        : "${RESOLVERS:=127.0.0.1}"
    fi
}

# sed_quote TEXT: TEXT as a literal sed replacement with | as the delimiter.
sed_quote() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }

# deploy_render FILE: prints FILE with the default layout's literal values replaced by the
# chosen ones (call deploy_layout first).
deploy_render() {
    local q=sed_quote listen_v6_http="" listen_v6_https=""
    # A bare port listens on IPv6 too, as the file does; an address (127.0.0.1:8443) does not.
    [[ "$HTTP_LISTEN" =~ ^[0-9]+$ ]] && listen_v6_http="listen [::]:$HTTP_LISTEN;"
    [[ "$HTTPS_LISTEN" =~ ^[0-9]+$ ]] && listen_v6_https="listen [::]:$HTTPS_LISTEN ssl http2;"
    sed -e "s|/usr/local/lib/fcgiapp|$($q "$LIBDIR")|g" \
        -e "s|/etc/fcgiapp|$($q "$CONFDIR")|g" \
        -e "s|/var/lib/fcgiapp|$($q "$STATEDIR")|g" \
        -e "s|/var/log/fcgiapp|$($q "$LOGDIR")|g" \
        -e "s|/run/nginx-fcgiapp.pid|$($q "$NGINX_PID_FILE")|g" \
        -e "s|/run/fcgiapp|$($q "$RUNDIR")|g" \
        -e "s|^ReadWritePaths=/run |ReadWritePaths=$($q "$RUNSTATEDIR") |" \
        -e "s|^User=fcgiapp\$|User=$($q "$APP_USER")|" \
        -e "s|^Group=fcgiapp\$|Group=$($q "$APP_USER")|" \
        -e "s|^    su fcgiapp fcgiapp\$|    su $($q "$APP_USER") $($q "$APP_USER")|" \
        -e "s|^    create 0640 fcgiapp adm\$|    create 0640 $($q "$APP_USER") adm|" \
        -e "s|^    create 0640 www-data adm\$|    create 0640 $($q "$WEB_USER") adm|" \
        -e "s|^APP_USER=fcgiapp\$|APP_USER=$($q "$APP_USER")|" \
        -e "s|^\(d [^ ]* 2750\) fcgiapp www-data|\1 $($q "$APP_USER") $($q "$WEB_USER")|" \
        -e "s|^user www-data;|user $($q "$WEB_USER");|" \
        -e "s|server_name api.example.com;|server_name $($q "$SERVER_NAME");|" \
        -e "s|^\( *\)listen 80;|\1listen $($q "$HTTP_LISTEN");|" \
        -e "s|^\( *\)listen \[::\]:80;|\1$($q "$listen_v6_http")|" \
        -e "s|^\( *\)listen 443 ssl http2;|\1listen $($q "$HTTPS_LISTEN") ssl http2;|" \
        -e "s|^\( *\)listen \[::\]:443 ssl http2;|\1$($q "$listen_v6_https")|" \
        -e "s|resolver 127.0.0.1 valid=300s;|resolver $($q "$RESOLVERS") valid=300s;|" \
        -e "s|/usr/sbin/nginx |$($q "$NGINX_BIN") |g" \
        "$1"
}

# ---------------------------------------------------------------------------------------------
# Reading what systemd reads: environment files and unit settings. The rehearsal tests start each
# service from its installed unit with these (no second copy of the command lines).

# env_file_assignments FILE: the KEY=VALUE lines of a systemd EnvironmentFile, one a line, with
# comments and blank lines dropped and one pair of surrounding quotes removed from a value.
env_file_assignments() {
    local line key value
    while IFS= read -r line || [[ -n "$line" ]]; do
        [[ "$line" =~ ^[[:space:]]*(#|;|$) ]] && continue
        [[ "$line" =~ ^[[:space:]]*([A-Za-z_][A-Za-z0-9_]*)=(.*)$ ]] || continue
        key="${BASH_REMATCH[1]}"
        value="${BASH_REMATCH[2]}"
        if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then
            value="${BASH_REMATCH[1]}"
        fi
        printf '%s=%s\n' "$key" "$value"
    done <"$1"
}

# unit_values UNIT KEY [INSTANCE]: every value of KEY in the unit's [Service] section, one a
# line, in order, with %i replaced by INSTANCE. Only what our units use: no quoting, no line
# continuations (a quote in a value is an error, so a unit that grows one fails loudly here).
unit_values() {
    local unit="$1" key="$2" instance="${3:-}"
    awk -v key="$key" -v inst="$instance" '
        /^\[/ { section = $0; next }
        section == "[Service]" && index($0, key "=") == 1 {
            v = substr($0, length(key) + 2)
            if (v ~ /["\\]/) { print "unit_values: quoting is not supported: " $0 > "/dev/stderr"; exit 1 }
            gsub(/%i/, inst, v)
            print v
        }' "$unit"
}

# unit_value UNIT KEY [INSTANCE]: the last value of KEY (systemd: a later assignment wins).
unit_value() { unit_values "$@" | tail -n 1; }

# unit_environment UNIT [INSTANCE]: the environment systemd gives the service, as KEY=VALUE lines:
# Environment= assignments first, then each EnvironmentFile= (a leading '-': may be missing),
# whose values win (systemd applies the files after Environment=).
unit_environment() {
    local unit="$1" instance="${2:-}" line word file optional
    while IFS= read -r line; do
        for word in $line; do printf '%s\n' "$word"; done
    done < <(unit_values "$unit" Environment "$instance")
    while IFS= read -r file; do
        optional=0
        [[ "$file" == -* ]] && { optional=1; file="${file#-}"; }
        if [[ -r "$file" ]]; then
            env_file_assignments "$file"
        elif ((optional == 0)); then
            die "$unit: EnvironmentFile $file missing"
        fi
    done < <(unit_values "$unit" EnvironmentFile "$instance")
}
