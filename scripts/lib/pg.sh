# shellcheck shell=bash
# A private PostgreSQL cluster in a folder of ours. Source after common.sh.
#
# Layout of a cluster folder DIR:
#   DIR/data/             PGDATA (initdb)
#   DIR/.s.PGSQL.PORT     the unix socket: the server listens here and, unless PG_TCP is set,
#                         nowhere else (listen_addresses = '')
#   DIR/postgres.log      server log (pg_ctl -l)
# As root, DIR belongs to the `postgres` user (initdb and postgres refuse to run as root) and
# every server command goes through `runuser -u postgres --`. As another user, the cluster
# belongs to that user.
#
# Settings read by pg_cluster_start (set them before calling):
#   PG_TCP=127.0.0.1       also listen on loopback TCP at PORT (default: unix socket only)
#   PG_THROWAWAY=1         fsync/full_page_writes/synchronous_commit off: test clusters only
#   PG_MAX_CONNECTIONS=N   default 100; callers size it above their worker count
#   PG_SHARED_BUFFERS=SIZE default 64MB (scripts/bench scale: 1GB, room for a million rows)
#   PG_NETNS=NAME          run the server in that network namespace (scripts/scaleout's db host;
#                          PG_TCP then names an address of that namespace)

# The newest installed server version (Debian puts each in /usr/lib/postgresql/VERSION/bin).
if [[ -z "${PG_BIN:-}" ]]; then
    if [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
        PG_BIN=/usr/lib/postgresql/15/bin
    else
        PG_BIN=""
        for d in /usr/lib/postgresql/*/bin; do
            [[ -x "$d/initdb" ]] && PG_BIN="$d"   # glob order: the last is the newest
        done
    fi
fi

# pg_as_owner CMD...: runs a server command as the cluster owner, from / (the postgres user
# may not be allowed into the current directory).
pg_as_owner() {
    local netns=()
    [[ -n "${PG_NETNS:-}" ]] && netns=(ip netns exec "$PG_NETNS")
    if is_root; then
        (cd / && "${netns[@]}" runuser -u postgres -- "$@")
    else
        (cd / && "$@")
    fi
}

# pg_make_traversable DIR: as root, makes sure the postgres user can reach DIR. A checkout can
# sit below a folder that other users may not enter (a CI clone in a private temp folder): then
# only the traverse bit (o+x) is added to each ancestor lacking it, never read or write.
pg_make_traversable() {
    local dir="$1" d ancestors=()
    is_root || return 0
    runuser -u postgres -- test -x "$dir" 2>/dev/null && return 0
    d="$dir"
    while [[ "$d" != "/" && -n "$d" ]]; do
        ancestors=("$d" "${ancestors[@]}")
        d="$(dirname "$d")"
    done
    for d in "${ancestors[@]}"; do
        if ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
            note "note: adding o+x to $d so the postgres user can reach the cluster folder"
            chmod o+x "$d"
        fi
    done
    runuser -u postgres -- test -x "$dir" || die "the postgres user still cannot reach $dir"
}

# pg_cluster_init DIR: creates the cluster in DIR unless DIR/data already holds one.
pg_cluster_init() {
    local dir="$1"
    [[ -n "$PG_BIN" && -x "$PG_BIN/initdb" ]] || die "PostgreSQL server binaries not found (install postgresql-15)"
    check_socket_path "$dir/.s.PGSQL.65535"
    if [[ -f "$dir/data/PG_VERSION" ]]; then
        return 0
    fi
    say "creating PostgreSQL cluster in $dir"
    mkdir -p "$dir"
    chmod 700 "$dir"
    if is_root; then
        chown postgres:postgres "$dir"
        pg_make_traversable "$dir"
    fi
    # trust on the unix socket only: the socket lives in a 0700 folder, so only the owner (and
    # root) can reach it. No TCP entry is trusted unless PG_TCP is set (then loopback only).
    pg_as_owner "$PG_BIN/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 \
        >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        die "initdb failed in $dir"
    }
    # Our settings live in their own file, rewritten at every start (ports may change).
    printf "\n# Added by scripts/lib/pg.sh\ninclude_if_exists = 'fcgiapp.conf'\n" |
        pg_as_owner tee -a "$dir/data/postgresql.conf" >/dev/null
}

# pg_write_settings DIR PORT: (re)writes DIR/data/fcgiapp.conf from the PG_* settings.
pg_write_settings() {
    local dir="$1" port="$2" conf
    conf="# Written by scripts/lib/pg.sh at each start; edit the scripts, not this file.
port = $port
listen_addresses = '${PG_TCP:-}'
unix_socket_directories = '$dir'
unix_socket_permissions = 0700
max_connections = ${PG_MAX_CONNECTIONS:-100}
shared_buffers = ${PG_SHARED_BUFFERS:-64MB}
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
"
    if [[ "${PG_THROWAWAY:-0}" == 1 ]]; then
        conf+="# Throwaway test cluster: durability is not wanted here. Never in a real one.
fsync = off
full_page_writes = off
synchronous_commit = off
"
    fi
    printf '%s' "$conf" | pg_as_owner tee "$dir/data/fcgiapp.conf" >/dev/null
}

# pg_cluster_running DIR: true when the server of DIR runs.
pg_cluster_running() {
    [[ -f "$1/data/postmaster.pid" ]] && pg_as_owner "$PG_BIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

# pg_cluster_pid DIR: the postmaster pid, from postmaster.pid.
pg_cluster_pid() { read_pidfile "$1/data/postmaster.pid"; }

# pg_cluster_start DIR PORT: writes the settings and starts the server (waits until it accepts
# connections). A running server is left as it is.
pg_cluster_start() {
    local dir="$1" port="$2"
    if pg_cluster_running "$dir"; then
        note "PostgreSQL already running in $dir (pid $(pg_cluster_pid "$dir"))"
        return 0
    fi
    pg_write_settings "$dir" "$port"
    say "starting PostgreSQL ($dir, socket port $port${PG_TCP:+, tcp $PG_TCP:$port})"
    if ! pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >/dev/null; then
        show_log_tails "$dir/postgres.log"
        die "PostgreSQL did not start in $dir"
    fi
}

# pg_cluster_stop DIR [MODE]: stops the server (fast by default) and waits for it.
pg_cluster_stop() {
    local dir="$1" mode="${2:-fast}"
    pg_cluster_running "$dir" || return 0
    say "stopping PostgreSQL ($dir)"
    pg_as_owner "$PG_BIN/pg_ctl" -D "$dir/data" -m "$mode" -w -t 60 stop >/dev/null ||
        warn "pg_ctl stop failed for $dir"
}

# pg_psql DIR PORT DB [psql args...]: psql as the superuser over the cluster's socket.
pg_psql() {
    local dir="$1" port="$2" db="$3"
    shift 3
    "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$port" -U postgres -d "$db" "$@"
}

# pg_create_db DIR PORT DB: creates database DB unless it exists.
pg_create_db() {
    local dir="$1" port="$2" db="$3"
    [[ "$db" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || die "unsupported database name: $db"
    if [[ "$(pg_psql "$dir" "$port" postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != 1 ]]; then
        note "creating database $db"
        pg_psql "$dir" "$port" postgres -c "CREATE DATABASE \"$db\""
    fi
}

# pg_url DIR PORT DB: a libpq URI for DB over the cluster's unix socket.
pg_url() {
    printf 'postgresql://postgres@/%s?host=%s&port=%s\n' "$3" "$(urlencode "$1")" "$2"
}
