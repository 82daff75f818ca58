# shellcheck shell=bash
# A whole local stack (PostgreSQL cluster, FastCGI pool, nginx) in one folder. Used by
# scripts/dev (folder .data), scripts/test (.data/test-XXXXXX) and scripts/bench.
# Source after common.sh, pg.sh, nginx.sh, pool.sh.
#
# stack_paths DIR sets (and exports, for the stack tests):
#   STACK_DIR                  the folder
#   STACK_PG_DIR               DIR/pg: the cluster (socket inside)
#   STACK_RUN                  DIR/run: pid files, the pool's socket
#   STACK_LOGS                 DIR/log: the pool's logs
#   STACK_NGINX                DIR/nginx: nginx prefix
#   STACK_SOCKET               DIR/run/fcgi.sock
#   STACK_POOL_PIDFILE, STACK_NGINX_PIDFILE
#   STACK_POOL_STDERR          DIR/log/pool.stderr.log: what the master prints before LOG_FILE
#   STACK_POOL_LOG             DIR/log/fcgiapp.log: LOG_FILE (master and workers)
#   STACK_AUTH_SOCKET          DIR/run/fcgi-auth.sock: the password-hashing pool (bcrypt routes)
#   STACK_AUTH_PIDFILE         DIR/run/pool-auth.pid
#   STACK_AUTH_STDERR          DIR/log/pool-auth.stderr.log
#   STACK_AUTH_LOG             DIR/log/fcgiapp-auth.log: that pool's LOG_FILE
# Ports come from STACK_PORT (nginx), STACK_PG_PORT, STACK_WS_PORT; database from STACK_DB.
#
# Two pools of the same FCGIApp binary serve the API: "api" (WORKERS workers) takes every
# request but the routes that run bcrypt (login, registration), which nginx sends to "auth"
# (AUTH_WORKERS workers, default one per core, at nice AUTH_POOL_PRIORITY, default 10), so that
# password hashing never occupies the API's workers or its CPU share. Both keep their scoreboard
# in DIR/run (SCOREBOARD_DIR), so /status shows both.

# shellcheck source=chat.sh
. "$(dirname "${BASH_SOURCE[0]}")/chat.sh"

stack_paths() {
    STACK_DIR="$1"
    STACK_PG_DIR="$STACK_DIR/pg"
    STACK_RUN="$STACK_DIR/run"
    STACK_LOGS="$STACK_DIR/log"
    STACK_NGINX="$STACK_DIR/nginx"
    STACK_SOCKET="$STACK_RUN/fcgi.sock"
    STACK_POOL_PIDFILE="$STACK_RUN/pool.pid"
    STACK_NGINX_PIDFILE="$STACK_RUN/nginx.pid"
    STACK_POOL_STDERR="$STACK_LOGS/pool.stderr.log"
    STACK_POOL_LOG="$STACK_LOGS/fcgiapp.log"
    STACK_AUTH_SOCKET="$STACK_RUN/fcgi-auth.sock"
    STACK_AUTH_PIDFILE="$STACK_RUN/pool-auth.pid"
    STACK_AUTH_STDERR="$STACK_LOGS/pool-auth.stderr.log"
    STACK_AUTH_LOG="$STACK_LOGS/fcgiapp-auth.log"
    export STACK_DIR STACK_PG_DIR STACK_RUN STACK_LOGS STACK_NGINX STACK_SOCKET \
        STACK_POOL_PIDFILE STACK_NGINX_PIDFILE STACK_POOL_STDERR STACK_POOL_LOG \
        STACK_AUTH_SOCKET STACK_AUTH_PIDFILE STACK_AUTH_STDERR STACK_AUTH_LOG
    mkdir -p "$STACK_RUN" "$STACK_LOGS"
}

# stack_pg_up: creates/reuses the cluster and STACK_DB, starts the server.
stack_pg_up() {
    : "${STACK_PG_PORT:?}" "${STACK_DB:?}"
    pg_cluster_init "$STACK_PG_DIR"
    pg_cluster_start "$STACK_PG_DIR" "$STACK_PG_PORT"
    pg_cluster_pid "$STACK_PG_DIR" >"$STACK_RUN/postgres.pid"
    pg_create_db "$STACK_PG_DIR" "$STACK_PG_PORT" "$STACK_DB"
}

# stack_migrate: FCGIApp migrate up, with the exported environment.
stack_migrate() {
    say "applying migrations (FCGIApp migrate up)"
    (cd "${APP_CWD:-$REPO_ROOT}" && "$FCGIAPP_BIN" migrate up --dir "$REPO_ROOT/migrations") >&2 ||
        die "FCGIApp migrate up failed"
}

# stack_pool_up: both pools, logs in STACK_LOGS: the API pool under spawn-fcgi, the
# password-hashing pool binding its own socket.
stack_pool_up() {
    export LOG_FILE="${LOG_FILE:-$STACK_POOL_LOG}"
    POOL_NAME=api SCOREBOARD_DIR="$STACK_RUN" \
        pool_start_spawnfcgi "$STACK_SOCKET" "$STACK_POOL_PIDFILE" "$STACK_POOL_STDERR"
    stack_auth_pool_up
}

# stack_auth_pool_up: the password-hashing pool alone (its workers and priority, its own log).
stack_auth_pool_up() {
    say "starting the password-hashing pool ($STACK_AUTH_SOCKET, ${AUTH_WORKERS:-$(nproc)} workers, nice ${AUTH_POOL_PRIORITY:-10})"
    WORKERS="${AUTH_WORKERS:-$(nproc)}" POOL_NAME=auth POOL_PRIORITY="${AUTH_POOL_PRIORITY:-10}" \
        SCOREBOARD_DIR="$STACK_RUN" LOG_FILE="$STACK_AUTH_LOG" \
        pool_start_standalone "$STACK_AUTH_SOCKET" "$STACK_AUTH_PIDFILE" "$STACK_AUTH_STDERR" \
        --socket-mode "${SPAWN_SOCKET_MODE:-0660}"
}

# stack_nginx_up: renders the dev config for STACK_PORT and starts nginx.
stack_nginx_up() {
    nginx_render "$STACK_NGINX" "$STACK_PORT" "$STACK_SOCKET" "$STACK_WS_PORT" "$STACK_NGINX_PIDFILE" "$STACK_AUTH_SOCKET"
    nginx_start "$STACK_NGINX" "$STACK_NGINX_PIDFILE"
}

# stack_wait_ready SECONDS: waits for /health/ready through nginx.
stack_wait_ready() {
    say "waiting for http://127.0.0.1:$STACK_PORT/health/ready"
    wait_ready "http://127.0.0.1:$STACK_PORT" "$1" "$(read_pidfile "$STACK_POOL_PIDFILE")" \
        "$STACK_POOL_STDERR" "${LOG_FILE:-$STACK_POOL_LOG}" "$STACK_NGINX/logs/error.log" \
        "$STACK_PG_DIR/postgres.log"
}

# ---------------------------------------------------------------------------------------------
# The pieces beside the pool: the WebSocket chat daemon (nginx proxies /ws/ to
# 127.0.0.1:$STACK_WS_PORT) and the job runner loop; pid files in $STACK_RUN, logs in
# $STACK_LOGS. scripts/dev and scripts/test call both functions.
# shellcheck source=jobs.sh
. "$(dirname "${BASH_SOURCE[0]}")/jobs.sh"
stack_extras_up() {
    stack_chat_up
    # The job runner in --loop mode (its own lock file, so it never blocks a cron-style run
    # of another stack on this host); log in STACK_LOGS/jobs.log.
    jobs_runner_start "$STACK_RUN/jobs.pid" "$STACK_LOGS/jobs.log" --lock-file "$STACK_RUN/jobs.lock"
}
stack_extras_down() {
    jobs_runner_stop "$STACK_RUN/jobs.pid"
    stack_chat_down
}
# ---------------------------------------------------------------------------------------------

# stack_chat_up: the WebSocket chat daemon on 127.0.0.1:STACK_WS_PORT (pid file run/chatd.pid,
# log log/chatd.log), which nginx's /ws/ location proxies to.
stack_chat_up() {
    : "${STACK_WS_PORT:?}"
    say "starting the WebSocket chat daemon on 127.0.0.1:$STACK_WS_PORT"
    chat_start "127.0.0.1:$STACK_WS_PORT" "$STACK_RUN/chatd.pid" "$STACK_LOGS/chatd.log" "$STACK_LOGS/chatd.stderr.log"
}
stack_chat_down() {
    chat_stop "$STACK_RUN/chatd.pid"
}

# stack_down [KEEP_PG]: stops nginx, the extras, both pools and (unless KEEP_PG=1) PostgreSQL.
stack_down() {
    # The chat daemon first: its close frames end the clients' WebSocket connections, which
    # would otherwise hold nginx's graceful stop open.
    stack_chat_down
    nginx_stop "$STACK_NGINX_PIDFILE"
    stack_extras_down
    pool_stop "$STACK_POOL_PIDFILE" TERM
    pool_stop "$STACK_AUTH_PIDFILE" TERM
    if [[ "${1:-0}" != 1 ]]; then
        pg_cluster_stop "$STACK_PG_DIR" fast
        rm -f "$STACK_RUN/postgres.pid"
    fi
}
