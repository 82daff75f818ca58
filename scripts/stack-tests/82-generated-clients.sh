#!/usr/bin/env bash
# Generated clients against the running stack, as their users make them from /openapi.json:
#   1. Swift: swift-openapi-generator 1.14.3's build plugin in a small package
#      (scripts/stack-tests/clients/swift, not part of the product's build) generates types and a
#      client from the stack's document, without one warning about it; the package builds and
#      its programs run the flow below over both transports, URLSession and async-http-client.
#   2. Python: openapi-python-client generates a package from the same document, without a
#      warning, and clients/python/client_flow.py runs the same flow with it.
# The flow: register, log in, profile, create an item with and without a description, read it,
# list with a search, patch, delete, a 404 and a 422, each answer decoded into the generated
# types; with an admin token (for an admin made here), a campaign and its task status.
#
# Cached, so that a warm run takes seconds: the Swift package is built in .build-clients/swift
# (git-ignored; SwiftPM rebuilds what changed and the plugin runs again only when the document
# did), the Python package is generated again only for a new document, and the generator's
# output for each document is kept beside it (generator-<sha256>.log), so that its warnings are
# checked on every run, also when it did not run.
#
# Knobs: CLIENT_TRANSPORTS ("URLSession AsyncHTTPClient"; "URLSession" alone skips
# async-http-client, whose first build takes about 3 minutes more on 2 cores: SwiftNIO, BoringSSL).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../lib/packages.sh
. "$stack_tests_dir/../lib/packages.sh"
trap check_cleanup EXIT

PY_REQUIREMENTS=(openapi-python-client==0.29.1)
venv="$REPO_ROOT/.data/venv-clients"
cache="$REPO_ROOT/.build-clients"
swift_source="$stack_tests_dir/clients/swift"
swift_package="$cache/swift"
work="$TEST_TMP/clients"
mkdir -p "$work" "$cache"
read -r -a transports <<<"${CLIENT_TRANSPORTS:-URLSession AsyncHTTPClient}"
started=$SECONDS

# --- the document and an admin --------------------------------------------------------------
http GET "$STACK_URL/openapi.json"
check_status "GET /openapi.json from the stack: 200" 200
printf '%s' "$HTTP_BODY" >"$work/openapi.json"
sha="$(sha256sum "$work/openapi.json" | cut -c1-16)"
info "document $sha ($(wc -c <"$work/openapi.json") bytes)"

# The admin's access token is signed here (as the API signs them, with SECRET_KEY) rather than
# fetched: each client logs in once, as its user.
printf '%s\n' "Clients-Admin-$RANDOM-$RANDOM" | (cd "$TEST_DIR" && BCRYPT_COST=4 \
    "$FCGIAPP_BIN" user create --admin --username "clients_admin_$RANDOM" --email "clients-admin-$RANDOM@example.com") \
    >"$work/admin.log" 2>&1 || true
admin_id="$(sed -nE 's/^created user ([0-9]+) .*/\1/p' "$work/admin.log")"
check "an admin for the campaign steps" "$(tail -2 "$work/admin.log")" test -n "$admin_id"
CLIENT_ADMIN_TOKEN="$(python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); from wstest import make_token; print(make_token(sys.argv[2]))' \
    "$stack_tests_dir/ws" "${admin_id:-0}")"
export CLIENT_ADMIN_TOKEN

# generator_warnings LOG: the lines of a generator's output that warn about the document (or
# report an error), one per line; empty when there are none.
generator_warnings() { grep -E '\b(warning|error|Warning|Error)\b' "$1" || true; }

# --- 1. Swift ---------------------------------------------------------------------------------
# stage_swift_package: the package's files into $swift_package, each copied only when it
# changed (an unchanged file keeps its time stamp, so SwiftPM rebuilds nothing), files gone
# from the source removed; then the document, likewise.
stage_swift_package() {
    local file
    (cd "$swift_source" && find . -type f) | while IFS= read -r file; do
        mkdir -p "$swift_package/$(dirname "$file")"
        cmp -s "$swift_source/$file" "$swift_package/$file" || cp "$swift_source/$file" "$swift_package/$file"
    done
    (cd "$swift_package" && find Sources -type f ! -name openapi.json) | while IFS= read -r file; do
        [[ -e "$swift_source/$file" ]] || rm -f "$swift_package/$file"
    done
    cmp -s "$work/openapi.json" "$swift_package/Sources/APIClient/openapi.json" ||
        cp "$work/openapi.json" "$swift_package/Sources/APIClient/openapi.json"
}

# plugin_output BUILD_LOG: what the generator printed during a build (from its banner to the
# build's next progress line); empty when the plugin did not run.
plugin_output() {
    awk '/Swift OpenAPI Generator is running/ { on = 1 }
         on && /^\[[0-9]+\/[0-9]+\]|^Build (of product )?.*complete/ { on = 0 }
         on' "$1"
}

ensure_swift
stage_swift_package
swift_log="$cache/swift/generator-$sha.log"
# Without the record of this document's generation, the plugin must run again to print it.
[[ -s "$swift_log" ]] || touch "$swift_package/Sources/APIClient/openapi.json"
for transport in "${transports[@]}"; do
    product="ClientCheck$transport"
    build_started=$SECONDS
    build_rc=0
    swift build --package-path "$swift_package" --product "$product" >"$work/swift-build-$transport.log" 2>&1 || build_rc=$?
    info "swift build --product $product: $((SECONDS - build_started))s, exit $build_rc"
    plugin_output "$work/swift-build-$transport.log" >"$work/plugin-$transport.log"
    if [[ -s "$work/plugin-$transport.log" ]]; then
        rm -f "$cache"/swift/generator-*.log
        cp "$work/plugin-$transport.log" "$swift_log"
    fi
    if ((build_rc != 0)); then
        grep -E 'error:' "$work/swift-build-$transport.log" | head -20 | sed 's/^/#   /'
        cp "$work/swift-build-$transport.log" "$STACK_LOGS/" 2>/dev/null || true
    fi
    check "swift: the package with the generated client builds ($product)" "exit $build_rc, see above" \
        test "$build_rc" -eq 0
done
check "swift: swift-openapi-generator ran on this document" "no generator output recorded in $swift_log" \
    grep -q 'Swift OpenAPI Generator is running' "$swift_log"
warnings="$(generator_warnings "$swift_log")"
check "swift: swift-openapi-generator has no warning about the document" "$(shorten "$warnings")" test -z "$warnings"

for transport in "${transports[@]}"; do
    binary="$swift_package/.build/debug/ClientCheck$transport"
    if [[ -x "$binary" ]]; then
        run_cases "swift client ($transport)" "$binary" "$STACK_URL"
    else
        fail "swift client ($transport) ran" "$binary was not built"
    fi
done

# --- 2. Python --------------------------------------------------------------------------------
python_dir="$cache/python"
# No formatter runs afterwards (its hooks want ruff): the generated code is used as it is.
# The download's application/pdf is read as bytes: the generator knows JSON, text and
# application/octet-stream only, and is told so (as the README tells client authors).
python_config=$'post_hooks: []\npackage_name_override: api_client\nproject_name_override: api-client\ncontent_type_overrides:\n  application/pdf: application/octet-stream\n'
# Generated once per document and configuration.
python_log="$python_dir/generator-$sha-$(printf '%s' "$python_config" | sha256sum | cut -c1-12).log"
# generate_python: the package for this document into $python_dir/api_client (once per document).
generate_python() {
    [[ -s "$python_log" && -d "$python_dir/api_client" ]] && return 0
    rm -rf "$python_dir" "$work/python"
    mkdir -p "$python_dir"
    printf '%s' "$python_config" >"$work/python-config.yaml"
    "$venv/bin/openapi-python-client" generate --path "$work/openapi.json" --output-path "$work/python" \
        --meta none --config "$work/python-config.yaml" >"$work/python-generate.log" 2>&1 &&
        mv "$work/python" "$python_dir/api_client" &&
        cp "$work/python-generate.log" "$python_log"
}
check "openapi-python-client installed (${PY_REQUIREMENTS[*]})" "pip install into $venv failed" \
    ensure_python_venv "$venv" "${PY_REQUIREMENTS[@]}"
generate_started=$SECONDS
check "python: openapi-python-client generates a package from the document" \
    "$(shorten "$(cat "$work/python-generate.log" 2>/dev/null)")" generate_python
info "openapi-python-client: $((SECONDS - generate_started))s"
warnings="$(generator_warnings "$python_log" 2>/dev/null)"
check "python: openapi-python-client has no warning about the document" "$(shorten "$warnings")" \
    test -s "$python_log" -a -z "$warnings"
run_cases "python client" "$venv/bin/python" -u "$stack_tests_dir/clients/python/client_flow.py" "$python_dir" "$STACK_URL"

info "whole test $((SECONDS - started))s"
finish
