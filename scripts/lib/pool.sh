# shellcheck shell=bash
# The FastCGI pool (FCGIApp master + workers). Source after common.sh.

# The app reads an optional .env from its working directory: APP_CWD (default: the repository)
# chooses that directory. scripts/test points it at its throwaway folder, so that a developer's
# .env cannot change what the tests see.

# Process names the pool may carry: spawn-fcgi execs FCGIApp in place (-n), which renames
# itself fcgiapp-master once started.
POOL_NAMES='^(fcgiapp-master|FCGIApp|spawn-fcgi)$'

# Socket permissions given to spawn-fcgi (-M): SPAWN_SOCKET_MODE, default 0660, owner and
# group only. Enough because nginx (dev config) runs as the same user as the pool; see
# nginx_render in nginx.sh for root.

# pool_start_spawnfcgi SOCKET PIDFILE STDERR_LOG: starts `FCGIApp serve` under spawn-fcgi,
# which binds SOCKET and hands it over on fd 0; `-n` makes spawn-fcgi exec the app in place,
# so the pid we record is the master's. The environment (DATABASE_URL, SECRET_KEY, WORKERS,
# LOG_FILE, …) is the caller's: export it first. `setsid` puts the pool in its own session so
# that a Ctrl-C in the terminal reaches only the script, which then stops the pool itself.
pool_start_spawnfcgi() {
    local sock="$1" pidfile="$2" errlog="$3" pid
    check_socket_path "$sock"
    [[ -x "$FCGIAPP_BIN" ]] || die "$FCGIAPP_BIN not built (swift build -c release)"
    mkdir -p "$(dirname "$sock")" "$(dirname "$pidfile")" "$(dirname "$errlog")"
    say "starting the FastCGI pool under spawn-fcgi (socket $sock, ${WORKERS:-default} workers)"
    # FCGI_LISTEN would make the app bind a socket itself instead of taking fd 0.
    (cd "${APP_CWD:-$REPO_ROOT}" && unset FCGI_LISTEN &&
        exec setsid spawn-fcgi -n -s "$sock" -M "${SPAWN_SOCKET_MODE:-0660}" -- "$FCGIAPP_BIN" serve) \
        </dev/null >>"$errlog" 2>&1 &
    pid=$!
    printf '%s\n' "$pid" >"$pidfile"
    pool_wait_socket "$sock" "$pid" 10 "$errlog" "${LOG_FILE:-}"
}

# pool_start_standalone LISTEN PIDFILE STDERR_LOG [serve args...]: `FCGIApp serve --listen
# LISTEN` binding the socket itself (unix path or 127.0.0.1:PORT).
pool_start_standalone() {
    local listen="$1" pidfile="$2" errlog="$3" pid
    shift 3
    [[ -x "$FCGIAPP_BIN" ]] || die "$FCGIAPP_BIN not built (swift build -c release)"
    mkdir -p "$(dirname "$pidfile")" "$(dirname "$errlog")"
    (cd "${APP_CWD:-$REPO_ROOT}" && exec setsid "$FCGIAPP_BIN" serve --listen "$listen" "$@") \
        </dev/null >>"$errlog" 2>&1 &
    pid=$!
    printf '%s\n' "$pid" >"$pidfile"
    if [[ "$listen" == /* ]]; then
        pool_wait_socket "$listen" "$pid" 10 "$errlog"
    else
        pool_wait_port "${listen##*:}" "$pid" 10 "$errlog"
    fi
}

# pool_wait_socket SOCKET PID SECONDS LOG...: waits until SOCKET exists (bound by spawn-fcgi
# or the master). Readiness of the workers is checked later through nginx (wait_ready).
pool_wait_socket() {
    await_start "the FastCGI pool" "$2" "$3" "${@:4}" -- test -S "$1"
}

# pool_wait_port PORT PID SECONDS LOG...: waits until 127.0.0.1:PORT accepts connections.
pool_wait_port() {
    await_start "the FastCGI pool" "$2" "$3" "${@:4}" -- port_in_use "$1"
}

# pool_workers MASTER_PID: the worker pids (direct children of the master).
pool_workers() { children_of "$1"; }

# pool_stop PIDFILE [SIGNAL]: stops the master (TERM: now; QUIT: graceful), waits for it and
# its workers (which die with it), and removes PIDFILE.
pool_stop() {
    local pidfile="$1" sig="${2:-TERM}" pid workers w
    pid="$(read_pidfile "$pidfile")"
    if [[ -n "$pid" ]] && pid_alive "$pid"; then
        say "stopping the FastCGI pool (pid $pid, SIG$sig)"
        workers="$(pool_workers "$pid")"
        stop_pid "$pid" "$POOL_NAMES" "$sig" 15
        # Workers get SIGTERM from the kernel when the master dies (PR_SET_PDEATHSIG); make
        # sure none is left behind even if that failed.
        for w in $workers; do
            stop_pid "$w" '^(fcgiapp-worker|FCGIApp)$' TERM 5
        done
    fi
    rm -f "$pidfile"
}
