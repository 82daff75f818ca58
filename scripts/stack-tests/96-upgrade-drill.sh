#!/usr/bin/env bash
# The upgrade drill, on an installed rehearsal stack (rehearsal-lib.sh):
#  1. A second FCGIApp that reports another version is built (Release.swift changed in an
#     overlay of the checkout, so the first build's artefacts are reused and the checkout is never
#     touched), installed by scripts/install (binaries replaced by rename, migrations first), and
#     the pool reloaded as its unit says, under wrk load: not one non-2xx answer or socket error,
#     and /health reports the new version; how long that took is reported.
#  2. A binary that cannot start is installed and the pool reloaded: the master refuses it, keeps
#     serving with the running version (no failed request), and says why in its log.
#  3. The two chat daemons restart one at a time behind nginx while clients send: every message
#     reaches every client exactly once (ws/rolling_cases.py).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=rehearsal-lib.sh
. "$stack_tests_dir/rehearsal-lib.sh"
# shellcheck source=ws/ws.sh
. "$stack_tests_dir/ws/ws.sh"

dir="$TEST_TMP/upgrade-96"
mkdir -p "$dir"
rehearsal_setup upgrade || { finish; exit 1; }
rehearsal_up || { finish; exit 1; }
old_version="$(curl -sk "$REHEARSAL_URL/health" | jq -r .version)"
new_version="$old_version-drill.$$"

# --- 1. a second binary ------------------------------------------------------------------------
# build_second_binary VERSION DEST: FCGIApp with Release.version = VERSION, copied to DEST. The
# build runs in a mount namespace of its own where an overlay covers the checkout (and the build
# folder): the one changed file and the rebuilt objects land in the overlay's upper folder, the
# checkout and .build stay as they are for everyone else, and SwiftPM recompiles only the module
# that changed and links.
build_second_binary() {
    local version="$1" dest="$2" layers
    layers="$(mktemp -d /tmp/fcgiapp-upgrade-build.XXXXXX)"
    mkdir -p "$layers"/{repo,repo-work,scratch,scratch-work,out}
    local scratch_overlay=""
    case "$SCRATCH_PATH/" in
        "$REPO_ROOT"/*) ;;
        *) scratch_overlay="mount -t overlay overlay -o lowerdir=$SCRATCH_PATH,upperdir=$layers/scratch,workdir=$layers/scratch-work $SCRATCH_PATH" ;;
    esac
    unshare --mount --propagation private bash -euc '
        mount -t overlay overlay -o "lowerdir=$1,upperdir=$2/repo,workdir=$2/repo-work" "$1"
        eval "$3"
        sed -i "s/static let version = \".*\"/static let version = \"$4\"/" "$1/Sources/FCGIApp/Release.swift"
        grep -q "\"$4\"" "$1/Sources/FCGIApp/Release.swift"
        cd "$1" && swift build -c release --product FCGIApp --scratch-path "$5"
        cp "$5/release/FCGIApp" "$2/out/FCGIApp"
    ' _ "$REPO_ROOT" "$layers" "$scratch_overlay" "$version" "$SCRATCH_PATH" >"$dir/build.log" 2>&1
    local rc=$?
    # Copied out of the namespace here: inside it, the checkout (and the test folder in it) is
    # the overlay, whose upper layer goes away with it.
    ((rc == 0)) && cp "$layers/out/FCGIApp" "$dest"
    rm -rf "$layers"
    return "$rc"
}
new_bin="$dir/new-bin"
mkdir -p "$new_bin"
cp "$SCRATCH_PATH/release/ChatDaemon" "$SCRATCH_PATH/release/JobRunner" "$new_bin/"
build_started=$SECONDS
if build_second_binary "$new_version" "$new_bin/FCGIApp"; then
    ok "a second FCGIApp built ($new_version, $((SECONDS - build_started)) s, the checkout untouched)"
else
    fail "a second FCGIApp built" "$(tail -5 "$dir/build.log")"
    finish
    exit 1
fi
check "the checkout still says $old_version" "Release.swift changed" \
    grep -q "static let version = \"$old_version\"" "$REPO_ROOT/Sources/FCGIApp/Release.swift"

# load_start NAME: wrk on /health and /health/ready (the database) for 10 s, in the background.
load_start() {
    wrk -t1 -c8 -d10s --latency "$REHEARSAL_URL/health" >"$dir/$1-health.out" 2>&1 &
    load_pids=($!)
    wrk -t1 -c8 -d10s --latency "$REHEARSAL_URL/health/ready" >"$dir/$1-ready.out" 2>&1 &
    load_pids+=($!)
}
# load_verdict NAME: waits for the load, checks no failure, prints the request count.
load_verdict() {
    local name="$1" f total=0 n
    wait "${load_pids[@]}" || true
    for f in "$dir/$name-health.out" "$dir/$name-ready.out"; do
        n="$(awk '/requests in/ { print $1 }' "$f")"
        total=$((total + ${n:-0}))
        check "$name: no non-2xx answer under load ($(basename "$f" .out))" "$(grep -E 'Non-2xx|Socket errors' "$f" | tr '\n' ' ')" \
            wrk_clean "$f"
    done
    info "$name: $total requests under load, p99 $(awk '/ 99%/ { print $2 }' "$dir/$name-health.out") (/health)"
}

master="$(rehearsal_mainpid fcgiapp-pool@api.service)"
old_workers="$(pool_workers "$master" | sort | tr '\n' ' ')"
load_start upgrade
sleep 2
if "$REPO_ROOT/scripts/install" --bin-dir "$new_bin" "${REHEARSAL_INSTALL_ARGS[@]}" >"$dir/install.log" 2>&1; then
    ok "scripts/install with the new binary (migrations applied before the reload)"
else
    fail "scripts/install with the new binary" "$(tail -3 "$dir/install.log")"
fi
reload_at=$(date +%s%N)
rehearsal_reload fcgiapp-pool@api.service
until [[ "$(curl -sk -m 2 "$REHEARSAL_URL/health" | jq -r .version 2>/dev/null)" == "$new_version" ]]; do
    (($(date +%s%N) - reload_at < 20000000000)) || break
    sleep 0.02
done
switch_ms=$((($(date +%s%N) - reload_at) / 1000000))
load_verdict upgrade
http GET "$REHEARSAL_URL/health" -k
check_jq "/health reports the new version after the reload" ".version == \"$new_version\""
info "time from the reload to the new version answering: ${switch_ms} ms"
check_eq "the master kept its pid (re-executed in place: systemd's MAINPID still right)" "$master" \
    "$(read_pidfile "$RUNDIR/pool-api.pid")"
check_eq "the master runs the new file" "$LIBDIR/bin/FCGIApp" "$(readlink "/proc/$master/exe")"
wait_until 10000 bash -c '[[ -z "$(comm -12 <(tr " " "\n" <<<"$1" | grep . | sort) <(pgrep -P "$2" | sort))" ]]' _ "$old_workers" "$master" || true
check_eq "the old workers are gone, replaced by new ones" "" \
    "$(comm -12 <(tr ' ' '\n' <<<"$old_workers" | grep . | sort) <(pool_workers "$master" | sort) | tr '\n' ' ')"
check_eq "as many workers as before" "$(wc -w <<<"$old_workers" | tr -d ' ')" "$(pool_workers "$master" | grep -c .)"
check "the pool logged the re-execution" "no 'Re-executing the master' in pool-api.log" \
    grep -q '"Re-executing the master"' "$LOGDIR/pool-api.log"

# --- 2. a binary that cannot start is refused ------------------------------------------------------
broken="$dir/broken-bin"
mkdir -p "$broken"
cp "$new_bin/ChatDaemon" "$new_bin/JobRunner" "$broken/"
printf '#!/bin/sh\necho "this release is broken" >&2\nexit 1\n' >"$broken/FCGIApp"
chmod 755 "$broken/FCGIApp"
load_start refused
sleep 1
"$REPO_ROOT/scripts/install" --bin-dir "$broken" --no-migrate "${REHEARSAL_INSTALL_ARGS[@]}" >"$dir/install-broken.log" 2>&1 ||
    fail "scripts/install of the broken binary" "$(tail -3 "$dir/install-broken.log")"
rehearsal_reload fcgiapp-pool@api.service
wait_until 5000 grep -q '"Cannot re-execute the master; reloading the workers in place"' "$LOGDIR/pool-api.log" || true
load_verdict refused
check "a reload onto a broken binary is refused and logged" "no refusal in pool-api.log" \
    grep -q '"Cannot re-execute the master; reloading the workers in place"' "$LOGDIR/pool-api.log"
check "the failed check's own words are in the log" "not in pool-api.log" grep -q 'this release is broken' "$LOGDIR/pool-api.log"
http GET "$REHEARSAL_URL/health" -k
check_jq "the pool goes on serving the running version" ".version == \"$new_version\""
check_eq "the master is the same process" "$master" "$(read_pidfile "$RUNDIR/pool-api.pid")"
"$REPO_ROOT/scripts/install" --bin-dir "$new_bin" --no-migrate "${REHEARSAL_INSTALL_ARGS[@]}" >>"$dir/install.log" 2>&1 ||
    fail "scripts/install of the good binary again" "$(tail -3 "$dir/install.log")"

# --- 3. a rolling restart of the chat daemons while clients send ------------------------------------
check "python websockets client installed (${WS_PY_REQUIREMENTS[*]})" "pip install into $WS_VENV failed" ensure_ws_venv
stop_file="$dir/restarts.done"
ready_file="$dir/clients.ready"
# The clients' ok/FAIL lines come out as they are printed (after the restarts).
REHEARSAL_URL="$REHEARSAL_URL" READY_FILE="$ready_file" STOP_FILE="$stop_file" CLIENTS=6 \
    "$WS_VENV/bin/python" -u "$WS_CASES/rolling_cases.py" 2>&1 &
clients=$!
# The restarts begin once every client is in the room and chatting.
wait_until 60000 test -e "$ready_file" || fail "the chat clients are ready" "no $ready_file after 60 s"
restart_started=$SECONDS
for i in 1 2; do
    rehearsal_stop "fcgiapp-chat@$i.service"
    rehearsal_start "fcgiapp-chat@$i.service"
    wait_until 20000 rehearsal_chat_answers "$i" || fail "chat daemon $i back after its restart" "no /ws/health"
    sleep 1
done
info "rolling restart of both daemons: $((SECONDS - restart_started)) s"
touch "$stop_file"
run_cases rolling_cases.py wait "$clients"

finish
