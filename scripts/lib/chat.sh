# shellcheck shell=bash
# The WebSocket chat daemon (ChatDaemon). Source after common.sh (stack.sh sources it).

CHATD_BIN="$SCRATCH_PATH/release/ChatDaemon"
CHATD_NAMES='^ChatDaemon$'
export CHATD_BIN

# chat_start LISTEN PIDFILE LOGFILE STDERR_LOG [NAME=VALUE...]: starts ChatDaemon on LISTEN
# (127.0.0.1:PORT or a unix socket path) in a session of its own, with the caller's exported
# environment (DATABASE_URL, SECRET_KEY, …) plus the given variables, its log lines in LOGFILE.
# Returns once /ws/health answers 200 (PostgreSQL reached, LISTEN running).
chat_start() {
    local listen="$1" pidfile="$2" log="$3" errlog="$4" pid
    shift 4
    [[ -x "$CHATD_BIN" ]] || die "$CHATD_BIN not built (swift build -c release)"
    mkdir -p "$(dirname "$pidfile")" "$(dirname "$log")" "$(dirname "$errlog")"
    (cd "${APP_CWD:-$REPO_ROOT}" && exec env "$@" LOG_FILE="$log" WS_LISTEN="$listen" setsid "$CHATD_BIN") \
        </dev/null >>"$errlog" 2>&1 &
    pid=$!
    printf '%s\n' "$pid" >"$pidfile"
    chat_wait_ready "$listen" "$pid" 20 "$errlog" "$log"
}

# chat_health_url LISTEN: curl arguments that reach /ws/health of a daemon on LISTEN directly.
chat_health_args() {
    local listen="$1"
    if [[ "$listen" == /* || "$listen" == unix:* ]]; then
        printf '%s\n' --unix-socket "${listen#unix:}" http://localhost/ws/health
    else
        printf '%s\n' "http://$listen/ws/health"
    fi
}

# chat_wait_ready LISTEN PID SECONDS LOG...: waits for /ws/health to answer 200.
chat_wait_ready() {
    await_start "the chat daemon" "$2" "$3" "${@:4}" -- chat_answers "$1"
}

# chat_answers LISTEN: /ws/health of the daemon on LISTEN answers 200.
chat_answers() {
    local args
    mapfile -t args < <(chat_health_args "$1")
    curl -fsS -m 2 -o /dev/null "${args[@]}" 2>/dev/null
}

# chat_stop PIDFILE [SIGNAL]: stops the daemon (TERM: graceful, close 1001 to every client)
# and removes PIDFILE.
chat_stop() {
    local pidfile="$1" sig="${2:-TERM}" pid
    pid="$(read_pidfile "$pidfile")"
    if [[ -n "$pid" ]] && pid_alive "$pid"; then
        say "stopping the chat daemon (pid $pid, SIG$sig)"
        stop_pid "$pid" "$CHATD_NAMES" "$sig" 20
    fi
    rm -f "$pidfile"
}
