#!/usr/bin/env bash
# Correct under races and stale identities (issue 10): concurrent refreshes and logouts of one
# token, reuse detection in the same instant as a rotation, refreshes, deactivations and writes
# racing the deletion of their user, absurd signed claims, and the login's one canonical path.
# Many rounds each, the requests of a round released together; every answer must be a 4xx or a
# success, never a 5xx (scripts/stack-tests/races/race_cases.py, Python's standard library only).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
trap check_cleanup EXIT

run_cases race_cases.py env PSQL="$PG_BIN/psql" python3 -u "$stack_tests_dir/races/race_cases.py"
finish
