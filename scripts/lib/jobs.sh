# shellcheck shell=bash
# The job runner (JobRunner). Source after common.sh.
#
# scripts/dev and scripts/test run it in --loop mode next to the pool (stack_extras_up in
# stack.sh): claims due jobs, delivers their mail through MAIL_URL (development default:
# maildir:./.data/mail, relative to the app's working directory), and is woken at once by new
# jobs through LISTEN/NOTIFY. Production runs `JobRunner run once` from cron (README).

JOBRUNNER_BIN="$SCRATCH_PATH/release/JobRunner"
export JOBRUNNER_BIN
# The process name of the runner (the binary's name, as /proc/PID/comm shows it).
JOBRUNNER_NAMES='^JobRunner$'

# jobs_runner_start PIDFILE LOG [run args...]: `JobRunner run --loop` in its own session
# (Ctrl-C reaches only the calling script, which stops it), environment as exported by the
# caller, working directory APP_CWD (default: the repository). Its JSON log lines go to LOG.
jobs_runner_start() {
    local pidfile="$1" log="$2" pid
    shift 2
    [[ -x "$JOBRUNNER_BIN" ]] || die "$JOBRUNNER_BIN not built (swift build -c release)"
    mkdir -p "$(dirname "$pidfile")" "$(dirname "$log")"
    say "starting the job runner (JobRunner run --loop, mail: ${MAIL_URL:-maildir:./.data/mail})"
    # LOG_FILE names the runner's own log (reopened on SIGUSR1), not the pool's the caller exports.
    (cd "${APP_CWD:-$REPO_ROOT}" && exec env LOG_FILE="$log" setsid "$JOBRUNNER_BIN" run --loop "$@") </dev/null >>"$log" 2>&1 &
    pid=$!
    printf '%s\n' "$pid" >"$pidfile"
    sleep 0.2
    if ! pid_alive "$pid"; then
        show_log_tails "$log"
        die "the job runner (pid $pid) exited during start-up"
    fi
}

# jobs_runner_stop PIDFILE: SIGTERM (the runner finishes the job in hand), then waits.
jobs_runner_stop() {
    local pidfile="$1" pid
    pid="$(read_pidfile "$pidfile")"
    if [[ -n "$pid" ]] && pid_alive "$pid"; then
        say "stopping the job runner (pid $pid)"
        stop_pid "$pid" "$JOBRUNNER_NAMES" TERM 15
    fi
    rm -f "$pidfile"
}
