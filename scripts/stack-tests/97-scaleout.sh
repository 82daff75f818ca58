#!/usr/bin/env bash
# The scale-out drills across real network hops: scripts/scaleout (network namespaces for an
# edge, two app hosts, a database, a mail host and a client; a host killed under load, chat
# and mail across hosts, the FastCGI peer check, the connection budget, the rate limit over
# two hosts), run with the test's build. It needs root (namespaces, a system user): as another
# user it is skipped, and says so. Its hosts' logs are kept with the run's, for 99.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
trap check_cleanup EXIT

if ! is_root; then
    info "skipped: scripts/scaleout needs root (network namespaces); run: sudo scripts/scaleout"
    finish
    exit 0
fi
started=$SECONDS
SKIP_BUILD=1 SCALEOUT_LOGS="$STACK_LOGS/scaleout" run_cases scripts/scaleout "$REPO_ROOT/scripts/scaleout"
info "scale-out drills: $((SECONDS - started)) s"
finish
