# shellcheck shell=bash
# Hosts on one machine as Linux network namespaces (iproute2's `ip netns`), for scripts/scaleout:
# each host a namespace with its own addresses, wired by veth pairs to virtual switches (bridges)
# that live in a namespace of their own, so that nothing is added to the machine's own network.
# Every name carries a per-run prefix: a leftover of a crashed run cannot collide with this one,
# and only this run's namespaces are ever removed. Root only. Source after common.sh.

NETNS_PREFIX=""
NETNS_SWITCH=""
NETNS_MADE=()

# netns_begin PREFIX: starts a set of hosts named PREFIX-HOST, with the switch namespace
# PREFIX-switch holding the bridges.
netns_begin() {
    NETNS_PREFIX="$1"
    NETNS_SWITCH="$NETNS_PREFIX-switch"
    netns_make "$NETNS_SWITCH"
}

# netns_name HOST: the namespace of HOST.
netns_name() { printf '%s-%s\n' "$NETNS_PREFIX" "$1"; }

# netns_make NAME: one namespace with its loopback up, recorded for netns_teardown.
netns_make() {
    ip netns add "$1" || die "ip netns add $1 failed"
    NETNS_MADE+=("$1")
    ip -n "$1" link set lo up
}

# netns_add_host HOST: the namespace of a new host.
netns_add_host() { netns_make "$(netns_name "$1")"; }

# netns_add_network NET: a switch (a bridge named NET in the switch namespace).
netns_add_network() {
    ip -n "$NETNS_SWITCH" link add "$1" type bridge
    ip -n "$NETNS_SWITCH" link set "$1" up
}

# netns_connect HOST NET ADDRESS/LENGTH: plugs HOST into the switch NET; its side of the cable is
# the interface NET0 with ADDRESS. The pair is made inside the namespaces, never in the machine's.
netns_connect() {
    local host="$1" net="$2" address="$3" ns
    ns="$(netns_name "$host")"
    ip -n "$NETNS_SWITCH" link add "$host-$net" type veth peer name "${net}0" netns "$ns"
    ip -n "$NETNS_SWITCH" link set "$host-$net" master "$net" up
    ip -n "$ns" addr add "$address" dev "${net}0"
    ip -n "$ns" link set "${net}0" up
}

# netns_exec HOST CMD...: CMD on HOST (its network only; the file system is the machine's).
netns_exec() {
    local ns
    ns="$(netns_name "$1")"
    shift
    ip netns exec "$ns" "$@"
}

# netns_pids HOST: every process in HOST's namespace (all started by this run: it made it).
netns_pids() { ip netns pids "$(netns_name "$1")" 2>/dev/null || true; }

# netns_kill HOST: kill -9 to every process of HOST, as a power cut would; waits until they are gone.
netns_kill() {
    local pid pids
    pids="$(netns_pids "$1")"
    for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
    for pid in $pids; do wait_pid_gone "$pid" 5 || true; done
}

# netns_teardown: ends what still runs in this run's namespaces (by pid) and removes them.
netns_teardown() {
    local ns pid
    for ns in "${NETNS_MADE[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null || true); do kill -KILL "$pid" 2>/dev/null || true; done
    done
    for ns in "${NETNS_MADE[@]}"; do
        for pid in $(ip netns pids "$ns" 2>/dev/null || true); do wait_pid_gone "$pid" 5 || true; done
        ip netns del "$ns" 2>/dev/null || warn "could not remove the namespace $ns"
    done
    NETNS_MADE=()
}
