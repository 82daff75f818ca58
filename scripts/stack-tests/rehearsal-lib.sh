# shellcheck shell=bash
# A production rehearsal on this machine, for the stack tests 94–96: scripts/install into a fresh
# root folder, then every service started exactly as its installed systemd unit says (systemd is
# not PID 1 here): ExecStartPre/ExecStart/ExecReload, User, Group, UMask, WorkingDirectory,
# Environment and EnvironmentFile are read from the unit files, never written a second time.
#
# The install is a real one, relocated (--prefix, --sysconfdir, … inside the root), so the units
# name real paths. What it adds to the host is a system user of its own (fcgiapp-t<pid>, never
# the real fcgiapp), removed again by rehearsal_teardown with everything else it made. Its
# PostgreSQL is a cluster of its own on a loopback port (the app's user cannot reach the test
# stack's socket, which only its owner may use). nginx runs as www-data, on free loopback ports.
# Source after lib.sh.

# shellcheck source=../lib/deploy.sh
. "${stack_tests_dir:?source lib.sh first}/../lib/deploy.sh"
# shellcheck source=../lib/nginx.sh
. "$stack_tests_dir/../lib/nginx.sh"

# rehearsal_setup NAME: sets REHEARSAL_* and installs. Records every pid it starts in STACK_RUN
# (rehearsal-*.pid and the names scripts/test's teardown knows), so a test that dies leaves
# nothing running.
rehearsal_setup() {
    local name="$1"
    REHEARSAL_NAME="$name"
    REHEARSAL_USER="fcgiapp-t$$"
    REHEARSAL_ROOT="$(mktemp -d "/tmp/fcgiapp-$name.XXXXXX")"
    chmod 755 "$REHEARSAL_ROOT"
    REHEARSAL_LOG="$TEST_TMP/$name-install.log"
    REHEARSAL_PG_DIR="$REHEARSAL_ROOT/pg"
    REHEARSAL_PG_PORT="$(free_port $((STACK_PORT + 200)))"
    REHEARSAL_HTTP_PORT="$(free_port $((REHEARSAL_PG_PORT + 1)))"
    REHEARSAL_HTTPS_PORT="$(free_port $((REHEARSAL_HTTP_PORT + 1)))"
    REHEARSAL_URL="https://127.0.0.1:$REHEARSAL_HTTPS_PORT"
    PREFIX="$REHEARSAL_ROOT/usr/local" SYSCONFDIR="$REHEARSAL_ROOT/etc" LOCALSTATEDIR="$REHEARSAL_ROOT/var"
    RUNSTATEDIR="$REHEARSAL_ROOT/run" APP_USER="$REHEARSAL_USER" SERVER_NAME=localhost
    deploy_layout
    REHEARSAL_INSTALL_ARGS=(--prefix "$PREFIX" --sysconfdir "$SYSCONFDIR" --localstatedir "$LOCALSTATEDIR"
        --runstatedir "$RUNSTATEDIR" --user "$REHEARSAL_USER" --server-name localhost
        --http-listen "127.0.0.1:$REHEARSAL_HTTP_PORT" --https-listen "127.0.0.1:$REHEARSAL_HTTPS_PORT"
        --database-url "postgresql://postgres@127.0.0.1:$REHEARSAL_PG_PORT/app")
    trap 'rehearsal_teardown; check_cleanup' EXIT

    # The host's PostgreSQL, as a real server would have it: reachable over loopback TCP.
    (PG_TCP=127.0.0.1 PG_THROWAWAY=1 pg_cluster_init "$REHEARSAL_PG_DIR" &&
        PG_TCP=127.0.0.1 PG_THROWAWAY=1 pg_cluster_start "$REHEARSAL_PG_DIR" "$REHEARSAL_PG_PORT" &&
        pg_create_db "$REHEARSAL_PG_DIR" "$REHEARSAL_PG_PORT" app) >"$TEST_TMP/$name-pg.log" 2>&1 ||
        { fail "$name: a PostgreSQL for the rehearsal" "$(tail -5 "$TEST_TMP/$name-pg.log")"; return 1; }

    if "$REPO_ROOT/scripts/install" --bin-dir "$SCRATCH_PATH/release" "${REHEARSAL_INSTALL_ARGS[@]}" \
        >"$REHEARSAL_LOG" 2>&1; then
        ok "$name: scripts/install into a fresh root ($REHEARSAL_ROOT)"
    else
        fail "$name: scripts/install into a fresh root" "$(tail -5 "$REHEARSAL_LOG")"
        return 1
    fi
}

# rehearsal_unit UNIT: the installed unit file of UNIT (a template's for name@instance.service).
rehearsal_unit() {
    local unit="$1"
    if [[ "$unit" == *@*.* ]]; then
        printf '%s/%s@.%s\n' "$UNITDIR" "${unit%%@*}" "${unit##*.}"
    else
        printf '%s/%s\n' "$UNITDIR" "$unit"
    fi
}

# rehearsal_instance UNIT: the instance of name@instance.service, else empty.
rehearsal_instance() {
    local unit="$1" rest
    [[ "$unit" == *@*.* ]] || return 0
    rest="${unit#*@}"
    printf '%s\n' "${rest%.*}"
}

# rehearsal_exec UNIT COMMAND_LINE [background]: runs one Exec line of UNIT the way systemd would:
# as its User/Group (root without them), in its WorkingDirectory with its UMask and exactly its
# environment. A leading '-' lets the command fail. In the background, its pid is in REPLY.
rehearsal_exec() {
    local unit="$1" line="$2" background="${3:-}" file instance user group dir mask env=() argv=() may_fail=0 rc=0
    file="$(rehearsal_unit "$unit")"
    instance="$(rehearsal_instance "$unit")"
    [[ "$line" == -* ]] && { may_fail=1; line="${line#-}"; }
    read -ra argv <<<"$line"
    user="$(unit_value "$file" User "$instance")"
    group="$(unit_value "$file" Group "$instance")"
    dir="$(unit_value "$file" WorkingDirectory "$instance")"
    mask="$(unit_value "$file" UMask "$instance")"
    mapfile -t env < <(unit_environment "$file" "$instance")
    local run=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "${env[@]}" "${argv[@]}")
    [[ -n "$user" ]] && run=(setpriv --reuid="$user" --regid="${group:-$user}" --init-groups "${run[@]}")
    local log="$TEST_TMP/$REHEARSAL_NAME-$unit.out"
    if [[ -n "$background" ]]; then
        (cd "${dir:-/}" && umask "${mask:-0022}" && exec setsid "${run[@]}") </dev/null >>"$log" 2>&1 &
        REPLY=$!
        return 0
    fi
    (cd "${dir:-/}" && umask "${mask:-0022}" && exec "${run[@]}") </dev/null >>"$log" 2>&1 || rc=$?
    ((may_fail)) && return 0
    return "$rc"
}

# rehearsal_start UNIT: ExecStartPre lines, then ExecStart (Type=simple: in the background, its
# pid recorded as STACK_RUN/PIDNAME; forking: nginx, which writes its PIDFile; oneshot: waited
# for). Fails the check when a step fails.
rehearsal_start() {
    local unit="$1" file instance type line pidname
    file="$(rehearsal_unit "$unit")"
    instance="$(rehearsal_instance "$unit")"
    type="$(unit_value "$file" Type "$instance")"
    while IFS= read -r line; do
        rehearsal_exec "$unit" "$line" ||
            { fail "$unit: ExecStartPre $line" "$(tail -3 "$TEST_TMP/$REHEARSAL_NAME-$unit.out")"; return 1; }
    done < <(unit_values "$file" ExecStartPre "$instance")
    line="$(unit_value "$file" ExecStart "$instance")"
    case "$type" in
        simple)
            rehearsal_exec "$unit" "$line" background
            pidname="$(rehearsal_pidname "$unit")"
            printf '%s\n' "$REPLY" >"$STACK_RUN/$pidname"
            ;;
        forking | oneshot)
            rehearsal_exec "$unit" "$line" ||
                { fail "$unit: ExecStart" "$(tail -3 "$TEST_TMP/$REHEARSAL_NAME-$unit.out")"; return 1; }
            if [[ "$type" == forking ]]; then
                cp "$(unit_value "$file" PIDFile "$instance")" "$STACK_RUN/$(rehearsal_pidname "$unit")" 2>/dev/null || true
            fi
            ;;
        *) fail "$unit: Type=$type" "the rehearsal knows simple, forking and oneshot"; return 1 ;;
    esac
}

# rehearsal_pidname UNIT: the pid file name under STACK_RUN, by a pattern scripts/test's teardown
# stops by (nginx*, chatd*, jobs*, anything else as a pool).
rehearsal_pidname() {
    case "$1" in
        fcgiapp-nginx*) printf 'nginx-rehearsal-%s.pid\n' "$REHEARSAL_NAME" ;;
        fcgiapp-chat@*) printf 'chatd-rehearsal-%s-%s.pid\n' "$REHEARSAL_NAME" "$(rehearsal_instance "$1")" ;;
        fcgiapp-jobs*) printf 'jobs-rehearsal-%s.pid\n' "$REHEARSAL_NAME" ;;
        *) printf 'rehearsal-%s-%s.pid\n' "$REHEARSAL_NAME" "${1%.service}" ;;
    esac
}

# rehearsal_mainpid UNIT: the service's main pid (what systemd calls $MAINPID).
rehearsal_mainpid() { read_pidfile "$STACK_RUN/$(rehearsal_pidname "$1")"; }

# rehearsal_reload UNIT: each ExecReload line, $MAINPID replaced, as systemd runs them.
rehearsal_reload() {
    local unit="$1" file instance line pid
    file="$(rehearsal_unit "$unit")"
    instance="$(rehearsal_instance "$unit")"
    pid="$(rehearsal_mainpid "$unit")"
    while IFS= read -r line; do
        rehearsal_exec "$unit" "${line//\$MAINPID/$pid}" || return 1
    done < <(unit_values "$file" ExecReload "$instance")
}

# rehearsal_stop UNIT: KillSignal to the main pid (KillMode=mixed: the main process alone, which
# stops its own children), then waits, as systemd would up to TimeoutStopSec.
rehearsal_stop() {
    local unit="$1" file instance pid sig
    file="$(rehearsal_unit "$unit")"
    instance="$(rehearsal_instance "$unit")"
    pid="$(rehearsal_mainpid "$unit")"
    sig="$(unit_value "$file" KillSignal "$instance")"
    if [[ -n "$pid" ]] && pid_alive "$pid"; then
        stop_pid "$pid" '^(fcgiapp-master|FCGIApp|ChatDaemon|JobRunner|nginx)$' "${sig#SIG}" 45
    fi
    rm -f "$STACK_RUN/$(rehearsal_pidname "$unit")"
}

# rehearsal_up: the pools (API and password hashing), two chat daemons and nginx, as their units
# say; waits until nginx answers /health/ready over TLS.
rehearsal_up() {
    local unit
    for unit in fcgiapp-pool@api.service fcgiapp-pool@auth.service fcgiapp-chat@1.service fcgiapp-chat@2.service \
        fcgiapp-nginx.service; do
        rehearsal_start "$unit" || return 1
    done
    if wait_until 20000 curl -fsk -m 2 -o /dev/null "$REHEARSAL_URL/health/ready" &&
        wait_until 20000 rehearsal_chat_answers 1 && wait_until 20000 rehearsal_chat_answers 2; then
        ok "$REHEARSAL_NAME: pools, chat daemons and nginx started from their units; /health/ready over TLS"
    else
        fail "$REHEARSAL_NAME: services started from their units" \
            "$(tail -n 3 "$TEST_TMP/$REHEARSAL_NAME"-*.out "$LOGDIR"/*.log "$LOGDIR/nginx/error.log" 2>/dev/null | tail -20)"
        return 1
    fi
}

# rehearsal_chat_answers N: the chat daemon N answers /ws/health on its socket.
rehearsal_chat_answers() { curl -fsS -m 2 -o /dev/null --unix-socket "$RUNDIR/chat-$1.sock" http://localhost/ws/health 2>/dev/null; }

# rehearsal_teardown: stops what it started, removes the root, its PostgreSQL and the test user.
rehearsal_teardown() {
    local unit
    [[ -n "${REHEARSAL_ROOT:-}" ]] || return 0
    for unit in fcgiapp-nginx.service fcgiapp-chat@1.service fcgiapp-chat@2.service fcgiapp-pool@auth.service \
        fcgiapp-pool@api.service; do
        rehearsal_stop "$unit" 2>/dev/null || true
    done
    pg_cluster_stop "$REHEARSAL_PG_DIR" immediate >/dev/null 2>&1 || true
    # The logs stay with the run's (99-no-unhandled-errors.sh reads every *.log there), rotated
    # ones renamed so that they end in .log too.
    local keep="$STACK_LOGS/rehearsal-$REHEARSAL_NAME" f
    if [[ -d "$LOGDIR" ]]; then
        mkdir -p "$keep"
        cp -a "$LOGDIR/." "$keep/" 2>/dev/null || true
        while IFS= read -r f; do mv "$f" "${f%.log.*}.${f##*.log.}.log"; done < <(find "$keep" -type f -name '*.log.[0-9]*')
    fi
    rm -rf "$REHEARSAL_ROOT"
    if getent passwd "$REHEARSAL_USER" >/dev/null; then userdel "$REHEARSAL_USER" 2>/dev/null || true; fi
    if getent group "$REHEARSAL_USER" >/dev/null; then groupdel "$REHEARSAL_USER" 2>/dev/null || true; fi
    REHEARSAL_ROOT=""
}
