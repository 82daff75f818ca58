# shellcheck shell=bash
# nginx with a prefix of our own (never the system service). Source after common.sh.
#
# Layout of a prefix folder PREFIX:
#   PREFIX/nginx.conf   rendered from nginx/dev.conf.template
#   PREFIX/logs/        error.log, access.log
#   PREFIX/tmp/         body and proxy temp folders

NGINX_TEMPLATE="$REPO_ROOT/nginx/dev.conf.template"

# nginx_render PREFIX PORT FCGI_SOCKET WS_PORT PIDFILE [AUTH_SOCKET]: writes PREFIX/nginx.conf.
# The routes that hash passwords go to AUTH_SOCKET (the password-hashing pool); without it, to
# FCGI_SOCKET like everything else (a test's own single pool). Its internal /_files/ location
# serves FILES_DIR (absolute; default .data/files), as the app's downloads. FCGI_KEEP_CONN=off
# gives every request to the API pool a connection of its own (default on: kept open).
#
# Root: nginx's master runs as root and its workers as `nobody` by default. Those workers must
# connect to the pool's socket, which the pool (also root) creates with mode 0660, in a folder
# below a checkout that `nobody` may not even traverse. Rather than widening permissions on the
# checkout or making the socket world-writable, the generated *development* config runs the
# workers as root (`user root;`): it only listens on 127.0.0.1. The production config
# (nginx/prod.conf) runs them as www-data and the pool gives its socket to that group instead.
# As another user, nginx and the pool run as that same user and nothing is needed.
nginx_render() {
    local prefix="$1" port="$2" sock="$3" ws_port="$4" pidfile="$5" auth_sock="${6:-$3}" text user_directive=""
    local files="${FILES_DIR:-$REPO_ROOT/.data/files}"
    [[ "$files" == /* ]] || die "FILES_DIR must be an absolute path for nginx (got $files)"
    check_socket_path "$sock"
    check_socket_path "$auth_sock"
    mkdir -p "$prefix/logs" "$prefix/tmp"
    is_root && user_directive="user root;  # dev/test only, see scripts/lib/nginx.sh"
    text="$(<"$NGINX_TEMPLATE")"
    # Quoted replacements: '&' and '\' in paths are taken literally.
    text="${text//"@@USER_DIRECTIVE@@"/"$user_directive"}"
    text="${text//"@@PREFIX@@"/"$prefix"}"
    text="${text//"@@PID_FILE@@"/"$pidfile"}"
    text="${text//"@@LISTEN@@"/"127.0.0.1:$port"}"
    text="${text//"@@FCGI_SOCKET@@"/"$sock"}"
    text="${text//"@@FCGI_AUTH_SOCKET@@"/"$auth_sock"}"
    text="${text//"@@WS_UPSTREAM@@"/"127.0.0.1:$ws_port"}"
    text="${text//"@@FILES_DIR@@"/"${files%/}"}"
    case "${FCGI_KEEP_CONN:-on}" in
        on | off) text="${text//"@@FCGI_KEEP_CONN@@"/"${FCGI_KEEP_CONN:-on}"}" ;;
        *) die "FCGI_KEEP_CONN is on or off (got $FCGI_KEEP_CONN)" ;;
    esac
    if grep -q "@@[A-Z_]*@@" <<<"$text"; then
        die "unreplaced token in $NGINX_TEMPLATE: $(grep -o '@@[A-Z_]*@@' <<<"$text" | sort -u | tr '\n' ' ')"
    fi
    printf '# GENERATED from nginx/dev.conf.template by scripts/lib/nginx.sh: edit the template.\n%s\n' \
        "$text" >"$prefix/nginx.conf"
}

# nginx_test PREFIX: nginx -t on the rendered config.
nginx_test() {
    local prefix="$1"
    nginx -q -t -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log"
}

# nginx_start PREFIX PIDFILE: checks and starts nginx (it daemonizes and writes PIDFILE).
nginx_start() {
    local prefix="$1" pidfile="$2" pid deadline
    nginx_test "$prefix" || die "nginx -t failed for $prefix/nginx.conf"
    say "starting nginx ($prefix/nginx.conf)"
    rm -f "$pidfile"
    nginx -p "$prefix" -c "$prefix/nginx.conf" -e "$prefix/logs/error.log" ||
        { show_log_tails "$prefix/logs/error.log"; die "nginx did not start"; }
    deadline=$((SECONDS + 10))
    until pid="$(read_pidfile "$pidfile")" && [[ -n "$pid" ]] && pid_alive "$pid"; do
        ((SECONDS < deadline)) || { show_log_tails "$prefix/logs/error.log"; die "nginx wrote no pid file"; }
        sleep 0.1
    done
}

# nginx_stop PIDFILE: graceful stop (QUIT), then TERM/KILL if it hangs; removes PIDFILE.
nginx_stop() {
    local pidfile="$1" pid
    pid="$(read_pidfile "$pidfile")"
    if [[ -n "$pid" ]] && pid_alive "$pid"; then
        say "stopping nginx (pid $pid)"
        stop_pid "$pid" '^nginx$' QUIT 10
    fi
    rm -f "$pidfile"
}
