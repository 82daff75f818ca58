#!/usr/bin/env bash
# Items inserted with psql by scripts/test come back through nginx → pool → PostgreSQL.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
trap check_cleanup EXIT

base="$STACK_URL/api/v1/items"

http GET "$base/$TEST_ITEM1_ID"
check_status "GET item $TEST_ITEM1_ID: 200" 200
check_jq "item $TEST_ITEM1_ID: fields as inserted" \
    ".id == $TEST_ITEM1_ID and .title == \"Stack widget alpha\" and .description == \"first test item\"
     and .price == 1234 and .owner_id == $TEST_USER_ID"
check_jq "item $TEST_ITEM1_ID: created_at is an ISO 8601 timestamp" \
    '.created_at | type == "string" and test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}")'
check_jq "item $TEST_ITEM1_ID: exactly the keys id,title,description,price,owner_id,created_at" \
    'keys == ["created_at","description","id","owner_id","price","title"]'

http GET "$base/$TEST_ITEM2_ID"
check_status "GET item $TEST_ITEM2_ID: 200" 200
check_jq "item $TEST_ITEM2_ID: Japanese title and metacharacters survive" \
    ".title == \"日本語のテスト商品\" and .description == \"quote ' percent % underscore _\""

http GET "$base/"
check_status "GET list: 200" 200
check_jq "list: total >= 2, page 1" '.total >= 2 and .page == 1 and (.items | length) >= 2'
check_jq "list: contains both test items" \
    "([.items[].id] | index($TEST_ITEM1_ID) != null and index($TEST_ITEM2_ID) != null)"

http GET "$base/?page=1&per_page=1"
check_status "GET list per_page=1: 200" 200
check_jq "list per_page=1: one item, page 1, per_page 1, total >= 2" \
    '(.items | length) == 1 and .page == 1 and .per_page == 1 and .total >= 2'
first="$(jq -r '.items[0].id' <<<"$HTTP_BODY" 2>/dev/null || true)"
http GET "$base/?page=2&per_page=1"
check_jq "list page=2&per_page=1: another item than page 1" \
    "(.items | length) == 1 and .page == 2 and .items[0].id != ${first:-0}"

http GET "$base/?search=widget%20alpha"
check_status "search 'widget alpha': 200" 200
check_jq "search 'widget alpha': only item $TEST_ITEM1_ID" \
    ".total == 1 and (.items | length) == 1 and .items[0].id == $TEST_ITEM1_ID"

http GET "$base/?search=WIDGET"
check_jq "search is case-insensitive ('WIDGET' finds item $TEST_ITEM1_ID)" \
    "[.items[].id] | index($TEST_ITEM1_ID) != null"

http GET "$base/?search=%E6%97%A5%E6%9C%AC%E8%AA%9E"
check_status "search '日本語': 200" 200
check_jq "search '日本語': finds item $TEST_ITEM2_ID" \
    ".total >= 1 and ([.items[].id] | index($TEST_ITEM2_ID) != null)"

http GET "$base/?search=no-such-item-anywhere-42"
check_jq "search without match: total 0, empty list" '.total == 0 and .items == []'

# SQL metacharacters must reach the database as data: 200 and a well-formed page, not 500.
for q in "%27%25_%3B--" "%27%3B%20DROP%20TABLE%20items%3B--" "%5C" "%25" "_"; do
    http GET "$base/?search=$q"
    check_status "search '$q' (metacharacters): 200" 200
    check_jq "search '$q': well-formed page" '(.items | type == "array") and (.total | type == "number")'
done
http GET "$base/$TEST_ITEM1_ID"
check_status "items table still there after the injection attempts" 200

finish
