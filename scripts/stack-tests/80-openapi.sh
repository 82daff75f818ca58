#!/usr/bin/env bash
# The OpenAPI document and its pages:
#   1. /openapi.json of the main stack is a valid OpenAPI 3.1 document (openapi-spec-validator),
#      titled from APP_NAME/APP_VERSION; /docs and /redoc are HTML pages that load FastAPI's CDN
#      assets by default.
#   2. A second pool (same binary and settings, its own database so that the generated data
#      stays out of the main one, DOCS_ASSETS_URL pointing at a local copy of Swagger UI and
#      ReDoc) behind its own nginx: schemathesis sends property-based requests to every
#      operation, with a registered user's bearer token, and every answer must be no 5xx and
#      conform to the document (status, content type, headers, body schema), its response
#      schemas closed to undeclared keys.
#   3. Headless Chromium renders /docs and /redoc of that pool from the local assets only (this
#      machine has no route to the CDN) and the rendered DOM lists the API's operations.
#
# Python tools live in a venv cached in .data/venv-openapi (pinned versions; rebuilt when the
# pins change); the Swagger UI / ReDoc files come from the fastapi-offline wheel on PyPI and are
# cached in .data/docs-assets-<version>. OPENAPI_MAX_EXAMPLES (20) bounds the schemathesis run.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=../lib/packages.sh
. "$stack_tests_dir/../lib/packages.sh"
# shellcheck source=../lib/nginx.sh
. "$stack_tests_dir/../lib/nginx.sh"

PY_REQUIREMENTS=(schemathesis==4.32.5 openapi-spec-validator==0.9.0)
ASSETS_PACKAGE=fastapi-offline==1.7.7
venv="$REPO_ROOT/.data/venv-openapi"
assets="$REPO_ROOT/.data/docs-assets-${ASSETS_PACKAGE#*==}"
work="$TEST_TMP/openapi"
mkdir -p "$work"
pool_pidfile="$STACK_RUN/openapi-pool.pid"
nginx_pidfile="$STACK_RUN/nginx-openapi.pid"
assets_pidfile="$work/assets-http.pid"

stop_assets_server() {
    local pid
    pid="$(read_pidfile "$assets_pidfile")"
    [[ -n "$pid" ]] && stop_pid "$pid" '^python3' TERM 5
    rm -f "$assets_pidfile"
}
trap 'nginx_stop "$nginx_pidfile"; pool_stop "$pool_pidfile"; stop_assets_server; check_cleanup' EXIT
started=$SECONDS

# --- tools ----------------------------------------------------------------------------------
# ensure_venv: the pinned Python tools, installed once into .data/venv-openapi.
ensure_venv() { ensure_python_venv "$venv" "${PY_REQUIREMENTS[@]}"; }

# ensure_assets: swagger-ui-bundle.js, swagger-ui.css, redoc.standalone.js, favicon.png.
ensure_assets() {
    [[ -s "$assets/swagger-ui-bundle.js" && -s "$assets/redoc.standalone.js" ]] && return 0
    info "fetching the Swagger UI and ReDoc files ($ASSETS_PACKAGE from PyPI)"
    local download="$work/wheel"
    mkdir -p "$download" &&
        "$venv/bin/pip" download -q --disable-pip-version-check --no-deps --only-binary :all: \
            -d "$download" "$ASSETS_PACKAGE" &&
        "$venv/bin/python" - "$download" "$assets" <<'PY'
import pathlib, sys, zipfile
source, target = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
target.mkdir(parents=True, exist_ok=True)
wheel = next(source.glob("*.whl"))
with zipfile.ZipFile(wheel) as archive:
    for name in archive.namelist():
        if "/static/" in name and not name.endswith("/"):
            (target / name.rsplit("/", 1)[1]).write_bytes(archive.read(name))
PY
}

# ensure_chromium: Debian's chromium, for the rendered pages (installed as root when missing).
ensure_chromium() {
    command -v chromium >/dev/null 2>&1 && return 0
    if is_root; then
        ensure_packages "${OPENAPI_TEST_PACKAGES[@]}" >&2
    fi
    command -v chromium >/dev/null 2>&1
}

check "python tools installed (${PY_REQUIREMENTS[*]})" "pip install into $venv failed" ensure_venv
check "Swagger UI and ReDoc files available locally" "could not get $ASSETS_PACKAGE" ensure_assets
check "chromium available" "not installed: apt-get install ${OPENAPI_TEST_PACKAGES[*]}" ensure_chromium
info "tools ready after $((SECONDS - started))s"

# --- 1. the main stack's document and pages ---------------------------------------------------
http GET "$STACK_URL/openapi.json"
check_status "GET /openapi.json: 200" 200
check_eq "/openapi.json: Content-Type application/json" "application/json" "$(header Content-Type)"
printf '%s' "$HTTP_BODY" >"$work/openapi.json"
check_jq "/openapi.json: OpenAPI 3.1.0, info from APP_NAME/APP_VERSION and the seed's description" \
    '.openapi == "3.1.0" and .info.title == "MyAPI" and .info.version == "1.0.0"
     and .info.description == "FastAPI完全ガイドのサンプルAPI"'
check_jq "/openapi.json: the contract's operations are in it" \
    '.paths["/api/v1/items/"].get and .paths["/api/v1/items/"].post and .paths["/api/v1/items/{item_id}"].patch
     and .paths["/api/v1/auth/token"].post and .paths["/api/v1/users/{user_id}"].delete and .paths["/health"].get'
check_jq "/openapi.json: GET /users/{user_id} with both shapes (public view, whole user); PATCH takes is_active" \
    '[.paths["/api/v1/users/{user_id}"].get.responses["200"].content["application/json"].schema.anyOf[]."$ref"]
       == ["#/components/schemas/UserPublic", "#/components/schemas/UserResponse"]
     and .paths["/api/v1/users/{user_id}"].patch.requestBody.content["application/json"].schema."$ref"
       == "#/components/schemas/UserStandingUpdate"
     and (.paths["/api/v1/users/{user_id}"].get.responses | has("403") and has("404"))'
check_jq "/openapi.json: OAuth2PasswordBearer with tokenUrl /api/v1/auth/token on authenticated operations" \
    '.components.securitySchemes.OAuth2PasswordBearer.flows.password.tokenUrl == "/api/v1/auth/token"
     and .paths["/api/v1/items/"].post.security == [{"OAuth2PasswordBearer": []}]
     and (.paths["/api/v1/items/"].get | has("security") | not)'
check_jq "/openapi.json: every \$ref resolves" \
    '. as $doc | [.. | objects | select(has("$ref")) | ."$ref" | ltrimstr("#/") | split("/")
     | . as $p | $doc | getpath($p) == null] | any | not'
out="$("$venv/bin/openapi-spec-validator" "$work/openapi.json" 2>&1 || true)"
check "openapi-spec-validator: the document is valid" "$(shorten "$out")" grep -q ': OK$' <<<"$out"

for page in docs redoc; do
    http GET "$STACK_URL/$page"
    check_status "GET /$page: 200" 200
    check_eq "/$page: Content-Type text/html" "text/html; charset=utf-8" "$(header Content-Type)"
done
http GET "$STACK_URL/docs"
check "/docs: Swagger UI 5 from jsdelivr by default" "got: $(shorten "$HTTP_BODY")" \
    grep -q 'src="https://cdn.jsdelivr.net/npm/swagger-ui-dist@5/swagger-ui-bundle.js"' <<<"$HTTP_BODY"
check "/docs: loads /openapi.json" "got: $(shorten "$HTTP_BODY")" grep -q 'url: "/openapi.json"' <<<"$HTTP_BODY"
http GET "$STACK_URL/redoc"
check "/redoc: ReDoc 2 from jsdelivr by default, reading /openapi.json" "got: $(shorten "$HTTP_BODY")" \
    bash -c 'grep -q "<redoc spec-url=\"/openapi.json\">" <<<"$1" &&
             grep -q "https://cdn.jsdelivr.net/npm/redoc@2/bundles/redoc.standalone.js" <<<"$1"' _ "$HTTP_BODY"

# --- 2. a pool with local assets and its own database ----------------------------------------
migrated_test_db app_openapi "$work/migrate.log"
assets_port="$(free_port $((STACK_PORT + 40)))"
(cd "$assets" && exec python3 -m http.server "$assets_port" --bind 127.0.0.1) \
    </dev/null >"$work/assets-http.log" 2>&1 &
printf '%s\n' "$!" >"$assets_pidfile"
wait_until 5000 port_in_use "$assets_port" || true
check "asset server on 127.0.0.1:$assets_port" "nothing listens" port_in_use "$assets_port"

export DATABASE_URL DOCS_ASSETS_URL="http://127.0.0.1:$assets_port"
DATABASE_URL="$TEST_DB_URL"
sock="$STACK_RUN/openapi.sock"
LOG_FILE="$STACK_LOGS/openapi-pool.log" APP_CWD="$TEST_DIR" \
    pool_start_standalone "$sock" "$pool_pidfile" "$STACK_LOGS/openapi-pool.stderr.log" --workers 2
port="$(free_port $((STACK_PORT + 41)))"
nginx_render "$work/nginx" "$port" "$sock" "$STACK_WS_PORT" "$nginx_pidfile"
nginx_start "$work/nginx" "$nginx_pidfile"
base="http://127.0.0.1:$port"
wait_ready "$base" 30 "$(read_pidfile "$pool_pidfile")" "$STACK_LOGS/openapi-pool.stderr.log" "$STACK_LOGS/openapi-pool.log"
http GET "$base/docs"
check "DOCS_ASSETS_URL: /docs loads the local copy" "got: $(shorten "$HTTP_BODY")" \
    grep -q "src=\"$DOCS_ASSETS_URL/swagger-ui-bundle.js\"" <<<"$HTTP_BODY"
check "DOCS_ASSETS_URL: nothing from a CDN" "got: $(shorten "$HTTP_BODY")" \
    bash -c '! grep -q "jsdelivr\|googleapis" <<<"$1"' _ "$HTTP_BODY"

# A user for the authenticated operations.
password="openapi-$RANDOM-password"
http POST "$base/api/v1/auth/register" -H 'Content-Type: application/json' \
    -d "{\"username\":\"openapi_user\",\"email\":\"openapi@example.com\",\"password\":\"$password\",\"password_confirm\":\"$password\"}"
check_status "register the schemathesis user: 201" 201
http POST "$base/api/v1/auth/token" --data-urlencode "username=openapi@example.com" --data-urlencode "password=$password"
check_status "log in the schemathesis user: 200" 200
token="$(jq -r '.access_token // empty' <<<"$HTTP_BODY" 2>/dev/null || true)"

# Every check of schemathesis runs (its default; the version is pinned above), in every phase
# (examples, coverage, fuzzing, stateful), except these few, each for its reason:
# - positive_data_acceptance: some schema-valid requests are refused on purpose, for reasons a
#   JSON Schema cannot state: password_confirm must equal password (422), a stale If-Match
#   (412), an Idempotency-Key outside 1..255 visible ASCII characters (422, checked by the handler).
# - unsupported_method: nginx answers TRACE itself (HTML 405 without Allow) before the app
#   sees it; every other undeclared method gets the app's 405 with Allow.
# And one widened: negative_data_rejection takes 413 (and the default codes) as a rejection, as
# the document says: a generated body over MAX_BODY_SIZE is refused for its size first.
cat >"$work/schemathesis.toml" <<'TOML'
[checks]
positive_data_acceptance.enabled = false
unsupported_method.enabled = false
negative_data_rejection.expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428", "429", "5xx"]
TOML

# The document leaves response schemas open, so that generated clients survive a key added
# later; schemathesis gets a copy in which every schema that only responses use is closed
# (additionalProperties: false), so that an answer with an undeclared key still fails here.
http GET "$base/openapi.json"
printf '%s' "$HTTP_BODY" >"$work/openapi-served.json"
closed="$("$venv/bin/python" - "$work/openapi-served.json" "$work/openapi-closed.json" <<'PY'
import json, sys
document = json.load(open(sys.argv[1]))

def references(value, found):
    if isinstance(value, dict):
        for key, member in value.items():
            if key == "$ref" and isinstance(member, str):
                found.add(member)
            else:
                references(member, found)
    elif isinstance(value, list):
        for member in value:
            references(member, found)

def schemas_reached(roots):
    seen, todo = set(), list(roots)
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        target = document
        for key in ref.lstrip("#/").split("/"):
            target = target[key]
        more = set()
        references(target, more)
        todo.extend(more)
    return {ref.rsplit("/", 1)[1] for ref in seen if ref.startswith("#/components/schemas/")}

requests, responses = set(), set()
for item in document["paths"].values():
    for operation in item.values():
        references([operation.get("parameters", []), operation.get("requestBody", {})], requests)
        references(operation.get("responses", {}), responses)
sent_only = sorted(schemas_reached(responses) - schemas_reached(requests))
for name in sent_only:
    document["components"]["schemas"][name]["additionalProperties"] = False
json.dump(document, open(sys.argv[2], "w"), ensure_ascii=False)
print(len(sent_only))
PY
)" || closed=""
check "a closed copy of the document for schemathesis ($closed response schemas closed)" "could not write it" \
    test -n "$closed" -a "${closed:-0}" -gt 0

st_started=$SECONDS
st_rc=0
(cd "$work" && timeout 300 "$venv/bin/st" --config-file "$work/schemathesis.toml" run "$work/openapi-closed.json" --url "$base" \
    --header "Authorization: Bearer $token" --max-examples "${OPENAPI_MAX_EXAMPLES:-20}" \
    --workers 2 --request-timeout 20 --no-color --report junit --report-dir "$work/report") \
    >"$work/schemathesis.out" 2>&1 || st_rc=$?
info "schemathesis: $((SECONDS - st_started))s, exit $st_rc; $(grep -E 'generated,|passed|failures?' "$work/schemathesis.out" | tail -2 | tr '\n' ' ')"
if ((st_rc != 0)); then
    # Show what it found (failures, then the summary).
    sed -n '/^=* \(FAILURES\|ERRORS\) =*$/,/^=* WARNINGS =*$/p' "$work/schemathesis.out" | head -250 | sed 's/^/#   /'
    sed -n '/^=* SUMMARY =*$/,$p' "$work/schemathesis.out" | sed 's/^/#   /'
    cp "$work/schemathesis.out" "$STACK_LOGS/schemathesis.out" 2>/dev/null || true
fi
check "schemathesis: no 5xx and every answer as documented (max ${OPENAPI_MAX_EXAMPLES:-20} examples per operation)" \
    "exit $st_rc, see above" test "$st_rc" -eq 0
selected="$(sed -nE 's/^ *Selected: ([0-9]+)\/([0-9]+).*/\2/p' "$work/schemathesis.out" | head -1)"
tested="$(sed -nE 's/^ *Tested: ([0-9]+).*/\1/p' "$work/schemathesis.out" | head -1)"
documented="$(jq '[.paths[] | keys[]] | length' "$work/openapi.json")"
check_eq "schemathesis: tested all $documented documented operations" "$documented $documented" "${selected:-?} ${tested:-?}"

# --- 3. the rendered pages, from local assets -------------------------------------------------
# render URL OUT: the DOM after the scripts ran (chromium waits for the page's virtual time).
render() {
    timeout 90 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
        --user-data-dir="$work/chromium" --virtual-time-budget=20000 --dump-dom "$1" \
        >"$2" 2>"$2.err" || true
}
render_started=$SECONDS
render "$base/docs" "$work/docs.html"
check "/docs rendered: Swagger UI lists the operations (GET /api/v1/items/ …)" \
    "DOM $(wc -c <"$work/docs.html") bytes: $(shorten "$(grep -o 'opblock-summary-path[^<]*<[^<]*' "$work/docs.html" | head -3)$(tail -3 "$work/docs.html.err")")" \
    bash -c 'grep -q "data-path=\"/api/v1/items/\"" "$1" && grep -q "data-path=\"/api/v1/auth/token\"" "$1" && grep -q "アイテム一覧取得" "$1"' _ "$work/docs.html"
check "/docs rendered: the title and the Authorize button (OAuth2)" "not in the DOM" \
    bash -c 'grep -q "MyAPI" "$1" && grep -q "btn authorize" "$1"' _ "$work/docs.html"
render "$base/redoc" "$work/redoc.html"
check "/redoc rendered: ReDoc lists the operations" \
    "DOM $(wc -c <"$work/redoc.html") bytes: $(shorten "$(tail -3 "$work/redoc.html.err")")" \
    bash -c 'grep -q "/api/v1/items/{item_id}" "$1" && grep -q "アイテム詳細取得" "$1"' _ "$work/redoc.html"
info "chromium: $((SECONDS - render_started))s; whole test $((SECONDS - started))s"

finish
