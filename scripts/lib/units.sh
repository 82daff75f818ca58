# shellcheck shell=bash
# Services started exactly as their installed systemd units say, on a machine where systemd is not
# PID 1: ExecStartPre, ExecStart, ExecReload, User, Group, UMask, WorkingDirectory, Environment,
# EnvironmentFile and KillSignal are read from the unit files (deploy.sh's unit_values), never
# written a second time. Used by the production rehearsals (stack-tests/rehearsal-lib.sh) and by
# scripts/scaleout, whose hosts are network namespaces. Source after common.sh and deploy.sh.
#
# The caller sets:
#   UNITDIR       where the units are installed (deploy_layout sets it)
#   UNITS_RUN     where each started service's pid file goes
#   UNITS_OUT     where what each service prints goes (UNITS_OUT/UNITS_TAG-UNIT.out)
#   UNITS_TAG     a name for this set of services, in the pid and output file names
#   UNITS_NETNS   optional: the network namespace (ip netns) the services run in
# A function that fails leaves a short reason in UNITS_ERROR.

# unit_path UNIT: the installed unit file of UNIT (a template's for name@instance.service).
unit_path() {
    local unit="$1"
    if [[ "$unit" == *@*.* ]]; then
        printf '%s/%s@.%s\n' "$UNITDIR" "${unit%%@*}" "${unit##*.}"
    else
        printf '%s/%s\n' "$UNITDIR" "$unit"
    fi
}

# unit_instance UNIT: the instance of name@instance.service, else empty.
unit_instance() {
    local unit="$1" rest
    [[ "$unit" == *@*.* ]] || return 0
    rest="${unit#*@}"
    printf '%s\n' "${rest%.*}"
}

# unit_output UNIT: the file that collects what UNIT's commands print.
unit_output() { printf '%s/%s-%s.out\n' "$UNITS_OUT" "$UNITS_TAG" "$1"; }

# unit_exec UNIT COMMAND_LINE [background]: runs one Exec line of UNIT the way systemd would: as
# its User/Group (root without them), in its WorkingDirectory with its UMask and exactly its
# environment (in UNITS_NETNS when set). A leading '-' lets the command fail. In the background,
# its pid is in REPLY (ip netns exec and setpriv exec in place: the pid is the service's).
unit_exec() {
    local unit="$1" line="$2" background="${3:-}" file instance user group dir mask env=() argv=() may_fail=0 rc=0
    file="$(unit_path "$unit")"
    instance="$(unit_instance "$unit")"
    [[ "$line" == -* ]] && { may_fail=1; line="${line#-}"; }
    read -ra argv <<<"$line"
    user="$(unit_value "$file" User "$instance")"
    group="$(unit_value "$file" Group "$instance")"
    dir="$(unit_value "$file" WorkingDirectory "$instance")"
    mask="$(unit_value "$file" UMask "$instance")"
    mapfile -t env < <(unit_environment "$file" "$instance")
    local run=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "${env[@]}" "${argv[@]}")
    [[ -n "$user" ]] && run=(setpriv --reuid="$user" --regid="${group:-$user}" --init-groups "${run[@]}")
    [[ -n "${UNITS_NETNS:-}" ]] && run=(ip netns exec "$UNITS_NETNS" "${run[@]}")
    local log
    log="$(unit_output "$unit")"
    if [[ -n "$background" ]]; then
        (cd "${dir:-/}" && umask "${mask:-0022}" && exec setsid "${run[@]}") </dev/null >>"$log" 2>&1 &
        REPLY=$!
        return 0
    fi
    (cd "${dir:-/}" && umask "${mask:-0022}" && exec "${run[@]}") </dev/null >>"$log" 2>&1 || rc=$?
    ((may_fail)) && return 0
    return "$rc"
}

# unit_pidname UNIT: the pid file's name under UNITS_RUN, by a pattern scripts/test's teardown
# stops by (nginx*, chatd*, jobs*, anything else as a pool).
unit_pidname() {
    case "$1" in
        fcgiapp-nginx*) printf 'nginx-%s.pid\n' "$UNITS_TAG" ;;
        fcgiapp-chat@*) printf 'chatd-%s-%s.pid\n' "$UNITS_TAG" "$(unit_instance "$1")" ;;
        fcgiapp-jobs*) printf 'jobs-%s.pid\n' "$UNITS_TAG" ;;
        *) printf '%s-%s.pid\n' "$UNITS_TAG" "${1%.service}" ;;
    esac
}

# unit_mainpid UNIT: the service's main pid (what systemd calls $MAINPID).
unit_mainpid() { read_pidfile "$UNITS_RUN/$(unit_pidname "$1")"; }

# unit_start UNIT: ExecStartPre lines, then ExecStart (Type=simple: in the background, its pid
# recorded; forking: nginx, which writes its PIDFile; oneshot: waited for). Fails when a step does.
unit_start() {
    local unit="$1" file instance type line
    file="$(unit_path "$unit")"
    instance="$(unit_instance "$unit")"
    type="$(unit_value "$file" Type "$instance")"
    while IFS= read -r line; do
        unit_exec "$unit" "$line" ||
            { UNITS_ERROR="$unit: ExecStartPre $line: $(tail -3 "$(unit_output "$unit")")"; return 1; }
    done < <(unit_values "$file" ExecStartPre "$instance")
    line="$(unit_value "$file" ExecStart "$instance")"
    case "$type" in
        simple)
            unit_exec "$unit" "$line" background
            printf '%s\n' "$REPLY" >"$UNITS_RUN/$(unit_pidname "$unit")"
            ;;
        forking | oneshot)
            unit_exec "$unit" "$line" ||
                { UNITS_ERROR="$unit: ExecStart: $(tail -3 "$(unit_output "$unit")")"; return 1; }
            if [[ "$type" == forking ]]; then
                cp "$(unit_value "$file" PIDFile "$instance")" "$UNITS_RUN/$(unit_pidname "$unit")" 2>/dev/null || true
            fi
            ;;
        *) UNITS_ERROR="$unit: Type=$type (simple, forking and oneshot are known)"; return 1 ;;
    esac
}

# unit_reload UNIT: each ExecReload line, $MAINPID replaced, as systemd runs them.
unit_reload() {
    local unit="$1" file instance line pid
    file="$(unit_path "$unit")"
    instance="$(unit_instance "$unit")"
    pid="$(unit_mainpid "$unit")"
    while IFS= read -r line; do
        # shellcheck disable=SC2034  # read by the caller
        unit_exec "$unit" "${line//\$MAINPID/$pid}" || { UNITS_ERROR="$unit: ExecReload failed"; return 1; }
    done < <(unit_values "$file" ExecReload "$instance")
}

# unit_stop UNIT: KillSignal to the main pid (KillMode=mixed: the main process alone, which stops
# its own children), then waits, as systemd would up to TimeoutStopSec.
unit_stop() {
    local unit="$1" file instance pid sig
    file="$(unit_path "$unit")"
    instance="$(unit_instance "$unit")"
    pid="$(unit_mainpid "$unit")"
    sig="$(unit_value "$file" KillSignal "$instance")"
    if [[ -n "$pid" ]] && pid_alive "$pid"; then
        stop_pid "$pid" '^(fcgiapp-master|FCGIApp|ChatDaemon|JobRunner|nginx)$' "${sig#SIG}" 45
    fi
    rm -f "$UNITS_RUN/$(unit_pidname "$unit")"
}
