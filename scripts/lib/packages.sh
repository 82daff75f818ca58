# shellcheck shell=bash
# Debian packages the stack needs. Source after common.sh.

# What building and running the stack needs. postgresql-15 may also be satisfied by the
# `postgresql` metapackage of the release (Debian 12: 15).
STACK_PACKAGES=(
    libfcgi-dev libpq-dev libssl-dev libcrypt-dev   # C libraries the Swift targets link
    nginx spawn-fcgi postgresql-15                  # the servers
    curl wrk jq openssl ca-certificates             # smoke tests, benchmark, secrets
    python3 python3-venv
    procps                                          # pgrep, ps (absent from minimal images)
)

# What scripts/stack-tests/80-openapi.sh adds (it installs them itself, as root, when missing):
# a headless browser that renders /docs and /redoc.
# shellcheck disable=SC2034  # read by stack-tests/80-openapi.sh
OPENAPI_TEST_PACKAGES=(chromium)

# package_installed NAME: true when dpkg knows NAME as installed.
package_installed() {
    [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" == "installed" ]]
}

# ensure_packages [EXTRA...]: installs what is missing of STACK_PACKAGES + EXTRA.
# As root: apt-get update + install of the missing ones only. Otherwise: prints the command
# to run and exits 1.
ensure_packages() {
    local wanted=("${STACK_PACKAGES[@]}" "$@") missing=() p
    command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: these scripts expect Debian 12"
    for p in "${wanted[@]}"; do
        if [[ "$p" == postgresql-15 ]] && ! package_installed postgresql-15 && package_installed postgresql \
            && [[ -x /usr/lib/postgresql/15/bin/initdb ]]; then
            continue
        fi
        package_installed "$p" || missing+=("$p")
    done
    if ((${#missing[@]} == 0)); then
        return 0
    fi
    if ! is_root; then
        printf 'error: missing Debian packages: %s\n' "${missing[*]}" >&2
        printf 'install them with:\n  sudo apt-get update && sudo apt-get install -y --no-install-recommends %s\n' \
            "${missing[*]}" >&2
        exit 1
    fi
    say "installing missing packages: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
    # The Debian nginx package enables and starts the system service on install. We never use
    # it (our nginx runs with its own prefix), but it would hold port 80: leave it be, it does
    # not collide with our loopback ports.
}

# ensure_swift: the toolchain is not a Debian package; fail clearly when it is absent.
ensure_swift() {
    command -v swift >/dev/null 2>&1 ||
        die "swift not found on PATH (expected Swift 6 in /opt/swift/usr/bin, see swift.org/install)"
}

# build_release: `swift build -c release` in SCRATCH_PATH; output shown as it comes.
build_release() {
    ensure_swift
    say "building (swift build -c release --scratch-path ${SCRATCH_PATH#"$REPO_ROOT"/})"
    (cd "$REPO_ROOT" && swift build -c release --scratch-path "$SCRATCH_PATH")
    [[ -x "$FCGIAPP_BIN" ]] || die "build finished but $FCGIAPP_BIN is missing"
}
