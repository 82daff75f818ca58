# shellcheck shell=bash
# A production rehearsal on this machine, for the stack tests 94–96: scripts/install into a fresh
# root folder, then every service started exactly as its installed systemd unit says (systemd is
# not PID 1 here; scripts/lib/units.sh reads the unit files).
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
# shellcheck source=../lib/units.sh
. "$stack_tests_dir/../lib/units.sh"

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
    # Where units.sh records the services (scripts/test's teardown stops what is left there).
    UNITS_RUN="$STACK_RUN" UNITS_OUT="$TEST_TMP" UNITS_TAG="rehearsal-$name"
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

# rehearsal_start UNIT … rehearsal_stop UNIT: the service as its installed unit says
# (scripts/lib/units.sh); a failed start is a failed check.
rehearsal_start() { unit_start "$1" || { fail "$1 started as its unit says" "$UNITS_ERROR"; return 1; }; }
rehearsal_exec() { unit_exec "$@"; }
rehearsal_mainpid() { unit_mainpid "$1"; }
rehearsal_reload() { unit_reload "$1"; }
rehearsal_stop() { unit_stop "$1"; }

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
            "$(tail -n 3 "$TEST_TMP/$UNITS_TAG"-*.out "$LOGDIR"/*.log "$LOGDIR/nginx/error.log" 2>/dev/null | tail -20)"
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
