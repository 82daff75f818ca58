# shellcheck shell=bash
# Shared helpers for the scripts in scripts/. Source it; do not run it.
#
# The scripts run with `set -euo pipefail`; every helper here is written for that mode
# (no unguarded command whose failure is expected, no unset variable reads).

# The repository root: scripts/lib/.. /..
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export REPO_ROOT

# Where SwiftPM builds (override to keep a second build folder, e.g. SCRATCH_PATH=.build-mine).
: "${SCRATCH_PATH:=$REPO_ROOT/.build}"
FCGIAPP_BIN="$SCRATCH_PATH/release/FCGIApp"
export SCRATCH_PATH FCGIAPP_BIN

# nginx lives in /usr/sbin, which a normal user's PATH on Debian lacks.
case ":$PATH:" in *:/usr/sbin:*) ;; *) PATH="$PATH:/usr/sbin:/sbin" ;; esac
export PATH

# Swift lives in /opt/swift on our machines; a non-login shell (CI) may not have it on PATH.
if ! command -v swift >/dev/null 2>&1 && [[ -x /opt/swift/usr/bin/swift ]]; then
    PATH="/opt/swift/usr/bin:$PATH"
    export PATH
fi

# ---------------------------------------------------------------------------------------------
# Messages. Everything goes to stderr so that stdout stays clean for results.

say()  { printf '==> %s\n' "$*" >&2; }
note() { printf '    %s\n' "$*" >&2; }
warn() { printf 'warning: %s\n' "$*" >&2; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

is_root() { [[ $EUID -eq 0 ]]; }

# ---------------------------------------------------------------------------------------------
# Processes. We only ever signal processes whose pid we recorded ourselves, and we check the
# process name before signalling, so a stale pid file can never hit an unrelated process.

# pid_alive PID: true when PID runs (a zombie counts as dead).
pid_alive() {
    local pid="${1:-}" state
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    # Field 3 of /proc/PID/stat is the state; the name in field 2 may contain spaces.
    state="$(sed -E 's/^.*\) ([A-Za-z]).*$/\1/' "/proc/$pid/stat" 2>/dev/null || true)"
    [[ "$state" != "Z" && -n "$state" ]]
}

# pid_comm PID: the process name (prctl comm), empty when gone.
pid_comm() { cat "/proc/${1}/comm" 2>/dev/null || true; }

# read_pidfile FILE: prints the first line of FILE when it holds a pid, else nothing.
read_pidfile() {
    local file="$1" pid=""
    if [[ -f "$file" ]]; then
        read -r pid <"$file" || true
    fi
    [[ "$pid" =~ ^[0-9]+$ ]] && printf '%s\n' "$pid"
    return 0
}

# wait_pid_gone PID SECONDS: waits until PID is gone; false on timeout.
wait_pid_gone() {
    local pid="$1" deadline=$((SECONDS + $2))
    while pid_alive "$pid"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
    # Reap it if it is our own child, so that it does not linger as a zombie.
    wait "$pid" 2>/dev/null || true
    return 0
}

# stop_pid PID NAME_REGEX [SIGNAL] [SECONDS]: sends SIGNAL (TERM) to PID if its process name
# matches NAME_REGEX, waits up to SECONDS (10), then sends KILL. Quiet when already gone.
stop_pid() {
    local pid="$1" names="$2" sig="${3:-TERM}" timeout="${4:-10}" comm
    pid_alive "$pid" || return 0
    comm="$(pid_comm "$pid")"
    if [[ ! "$comm" =~ $names ]]; then
        warn "pid $pid is now '$comm', not ours ($names): left alone"
        return 0
    fi
    kill -s "$sig" "$pid" 2>/dev/null || true
    if ! wait_pid_gone "$pid" "$timeout"; then
        warn "pid $pid ($comm) still alive ${timeout}s after SIG$sig: sending KILL"
        kill -s KILL "$pid" 2>/dev/null || true
        wait_pid_gone "$pid" 5 || warn "pid $pid survived SIGKILL"
    fi
}

# children_of PID: direct children pids, one a line.
children_of() { pgrep -P "$1" 2>/dev/null || true; }

# ---------------------------------------------------------------------------------------------
# Ports, paths, URLs.

# port_in_use PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_in_use() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# free_port START: prints START or the next port above it that nobody listens on.
free_port() {
    local port="$1"
    while port_in_use "$port"; do port=$((port + 1)); done
    printf '%s\n' "$port"
}

# check_socket_path PATH: a unix socket path must fit in sockaddr_un.sun_path (108 bytes).
check_socket_path() {
    if (( ${#1} > 100 )); then
        die "unix socket path too long (${#1} bytes, limit ~100): $1 — move the checkout to a shorter path"
    fi
}

# urlencode STRING: percent-encodes everything but unreserved characters and '/'.
urlencode() {
    local s="$1" out="" c i
    local LC_ALL=C
    for ((i = 0; i < ${#s}; i++)); do
        c="${s:i:1}"
        case "$c" in
            [A-Za-z0-9/._~-]) out+="$c" ;;
            *) out+="$(printf '%%%02X' "'$c")" ;;
        esac
    done
    printf '%s\n' "$out"
}

# ---------------------------------------------------------------------------------------------
# Logs and readiness.

# show_log_tails FILE...: the last lines of each existing file, for error messages.
show_log_tails() {
    local f
    for f in "$@"; do
        [[ -s "$f" ]] || continue
        printf -- '----- last lines of %s -----\n' "$f" >&2
        tail -n 25 "$f" >&2
    done
}

# await_start WHAT PID SECONDS LOGFILE... -- CMD...: polls CMD every 0.1 s until it succeeds;
# dies, with the tails of the log files, when PID (the process just started) exits first or
# SECONDS pass.
await_start() {
    local what="$1" pid="$2" deadline=$((SECONDS + $3)) logs=()
    shift 3
    while (($#)) && [[ "$1" != -- ]]; do
        logs+=("$1")
        shift
    done
    shift
    until "$@"; do
        if ! pid_alive "$pid"; then
            show_log_tails "${logs[@]}"
            die "$what (pid $pid) exited during start-up"
        fi
        ((SECONDS < deadline)) || { show_log_tails "${logs[@]}"; die "$what not ready after start: $*"; }
        sleep 0.1
    done
}

# wait_ready BASE_URL SECONDS WATCH_PID LOGFILE...: polls BASE_URL/health/ready until it answers
# 2xx. Fails early when WATCH_PID (the pool master, or "" for none) dies. On failure prints the
# tail of the given log files.
wait_ready() {
    local url="$1/health/ready" timeout="$2" watch="$3"
    shift 3
    local deadline=$((SECONDS + timeout))
    while ! curl -fsS -m 2 -o /dev/null "$url" 2>/dev/null; do
        if [[ -n "$watch" ]] && ! pid_alive "$watch"; then
            printf 'error: the FastCGI pool (pid %s) exited while waiting for %s\n' "$watch" "$url" >&2
            show_log_tails "$@"
            return 1
        fi
        if ((SECONDS >= deadline)); then
            printf 'error: %s did not answer 2xx within %ss; last answer:\n' "$url" "$timeout" >&2
            curl -sS -m 2 -i "$url" >&2 2>&1 || true
            printf '\n' >&2
            show_log_tails "$@"
            return 1
        fi
        sleep 0.2
    done
}

# wait_until MILLISECONDS CMD...: polls CMD every 50 ms; true once it succeeds.
wait_until() {
    local deadline=$(($(date +%s%N) + $1 * 1000000))
    shift
    until "$@"; do
        (($(date +%s%N) < deadline)) || return 1
        sleep 0.05
    done
}

# ---------------------------------------------------------------------------------------------
# Python tools of the tests and drills.

# ensure_python_venv DIR REQUIREMENT...: a virtualenv in DIR with exactly these pinned PyPI
# packages, made once and made again when the pins change (they are recorded in DIR/.requirements).
ensure_python_venv() {
    local dir="$1"
    shift
    local pins="$*"
    if [[ -x "$dir/bin/python" && "$(cat "$dir/.requirements" 2>/dev/null || true)" == "$pins" ]]; then
        return 0
    fi
    note "installing $pins into ${dir#"$REPO_ROOT"/}"
    rm -rf "$dir"
    python3 -m venv "$dir" &&
        "$dir/bin/pip" install -q --disable-pip-version-check "$@" &&
        printf '%s\n' "$pins" >"$dir/.requirements"
}
