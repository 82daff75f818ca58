"""The seed's WebSocket chat through nginx, with the `websockets` client (90-ws-chat.sh)."""
import asyncio
import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import ConnectionClosed, InvalidStatus  # noqa: E402

from wstest import (RawWS, check, check_eq, fail, finish, http, info, make_token, ok, register, sql,  # noqa: E402
                    unique_room, ws_url)

base = os.environ["STACK_URL"]
TIMEOUT = 10


async def recv(ws, timeout=TIMEOUT):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def sync(ws):
    """Ping → pong: the join is done (the pong is sent once the client is in the room)."""
    await ws.send(json.dumps({"type": "ping"}))
    while True:
        message = await recv(ws)
        if message == {"type": "pong"}:
            return


async def quiet(ws, seconds=0.3):
    """True when nothing arrives within `seconds`."""
    try:
        await asyncio.wait_for(ws.recv(), seconds)
        return False
    except asyncio.TimeoutError:
        return True


async def closed_with(url, **kwargs):
    """(code, reason) the server closes a new connection with, or the HTTP status refusing it."""
    try:
        async with connect(url, open_timeout=TIMEOUT, **kwargs) as ws:
            try:
                await asyncio.wait_for(ws.recv(), TIMEOUT)
            except ConnectionClosed:
                pass
            return ws.close_code, ws.close_reason
    except InvalidStatus as error:
        return error.response.status_code, None


async def chat():
    a = register(base, "alice")
    b = register(base, "bob")
    room = unique_room("chat")
    async with connect(ws_url(base, room, a.token)) as wa:
        await wa.send(json.dumps({"type": "ping"}))
        raw = await asyncio.wait_for(wa.recv(), TIMEOUT)
        check_eq("ping → exactly {\"type\":\"pong\"}", '{"type":"pong"}', raw)

        async with connect(ws_url(base, room, b.token)) as wb:
            joined = await recv(wa)
            check_eq("join notice to the others", {"type": "join", "user_id": str(b.id), "message": f"{b.id}が入室しました"}, joined)
            await sync(wb)
            check("the joiner gets no notice of itself or of earlier joins", await quiet(wb), "something arrived")

            sent_at = time.time()
            await wa.send(json.dumps({"type": "message", "content": "こんにちは"}, ensure_ascii=False))
            to_a, to_b = await recv(wa), await recv(wb)
            check_eq("a message reaches the sender too", to_a, to_b)
            check_eq("message shape: type, id, user_id (the token's sub), content, timestamp",
                     ["type", "id", "user_id", "content", "timestamp"], list(to_a))
            check_eq("message fields", ("message", str(a.id), "こんにちは"), (to_a["type"], to_a["user_id"], to_a["content"]))
            check("timestamp: Unix seconds, fractional, now", isinstance(to_a["timestamp"], float)
                  and abs(to_a["timestamp"] - sent_at) < 5, f"{to_a['timestamp']!r}")
            first_id = to_a["id"]

            await wb.send(json.dumps({"content": "no type"}))
            check_eq("a message without type counts as a message", "no type", (await recv(wa))["content"])
            await recv(wb)
            await wb.send(json.dumps({"type": "message"}))
            empty_a, _ = await recv(wa), await recv(wb)
            check_eq("a message without content is empty text", "", empty_a["content"])
            check("ids grow", empty_a["id"] > first_id, f"{empty_a['id']} after {first_id}")

            # Unknown types are ignored silently, as the seed ignores them: no event, no error.
            for text in ['{"type":"dance"}', '{"type":"typing","content":"x"}', '{"type":5}']:
                await wb.send(text)
            await wb.send(json.dumps({"type": "ping"}))
            check_eq("messages of unknown types are ignored (the next thing sent back is the pong)",
                     {"type": "pong"}, await recv(wb))
            for text, code, name in [("not json", "json_invalid", "malformed JSON"),
                                     ("[1,2]", "model_attributes_type", "JSON that is not an object"),
                                     ('{"content":5}', "content_invalid", "content that is not a string"),
                                     ('{"content":"a\\u0000b"}', "content_invalid", "U+0000 in content")]:
                await wb.send(text)
                error = await recv(wb)
                check_eq(f"{name} → an error message, not a drop", ("error", code), (error.get("type"), error.get("code")))
            await sync(wb)
            ok("the connection stays open after malformed messages")
            check("the others see none of it", await quiet(wa), "something arrived")

            big = "長" * 5000  # 15000 bytes: over NOTIFY's payload limit, read back by id
            await wa.send(json.dumps({"content": big}, ensure_ascii=False))
            check_eq("a 15 kB message arrives whole", big, (await recv(wb))["content"])
            await recv(wa)

        left = await recv(wa)
        check_eq("leave notice to the others", {"type": "leave", "user_id": str(b.id), "message": f"{b.id}が退室しました"}, left)

        status, history = http("GET", f"{base}/api/v1/rooms/{room}/messages?after_id={first_id - 1}", token=a.token)
        check_eq("REST history: 200", 200, status)
        messages = history.get("messages", []) if isinstance(history, dict) else []
        check_eq("REST history holds what was said, oldest first", ["こんにちは", "no type", "", big],
                 [m["content"] for m in messages])
        check_eq("REST history: the same objects as the live ones", to_a, messages[0] if messages else None)
        check_eq("stored before it was broadcast: the row exists with that id", "1",
                 sql(f"SELECT count(*) FROM chat_messages WHERE id = {first_id} AND room_id = '{room}'"))
        status, _ = http("GET", f"{base}/api/v1/rooms/{room}/messages")
        check_eq("REST history without a token: 401", 401, status)

        # since: a client that comes back is sent what it missed, then the live events.
        async with connect(ws_url(base, room, b.token, since=first_id)) as wc:
            replayed = [await recv(wc) for _ in range(3)]
            check_eq("?since=<id> replays the later messages in order", [m["id"] for m in messages[1:]],
                     [m.get("id") for m in replayed])
            await wa.send(json.dumps({"content": "after the replay"}))
            live = await recv(wc)
            check_eq("then the live messages follow", "after the replay", live["content"])
            await recv(wa)
        async with connect(ws_url(base, room, b.token, since=live["id"])) as wd:
            await sync(wd)
            check("?since=<the last id>: nothing to replay", await quiet(wd), "something arrived")


async def refusals():
    a = register(base, "carol")
    room = unique_room("auth")
    cases = [
        ("a malformed token", make_token("x")[:-5]),
        ("a token signed with another secret", make_token(a.id, secret="another-secret")),
        ("an expired token", make_token(a.id, exp=int(time.time()) - 10)),
        ("a refresh token", make_token(a.id, typ="refresh")),
        ("alg none", make_token(a.id, alg="none")),
        ("a token of a user that does not exist", make_token(2_000_000_000)),
    ]
    for name, token in cases:
        check_eq(f"{name} → close 4001 認証失敗", (4001, "認証失敗"), await closed_with(ws_url(base, room, token)))
    check_eq("no token → close 4001", (4001, "認証失敗"), await closed_with(ws_url(base, room)))
    check_eq("a token made like the API's is accepted", None, (await closed_with_timeout(ws_url(base, room, make_token(a.id)))))

    inactive = register(base, "dave")
    sql(f"UPDATE users SET is_active = false WHERE id = {inactive.id}")
    check_eq("an inactive account → close 4003 アカウントが無効です", (4003, "アカウントが無効です"),
             await closed_with(ws_url(base, room, inactive.token)))
    deleted = register(base, "erin")
    sql(f"DELETE FROM users WHERE id = {deleted.id}")
    check_eq("a deleted account → close 4001", (4001, "認証失敗"), await closed_with(ws_url(base, room, deleted.token)))

    check_eq("an Origin not in CORS_ORIGINS → HTTP 403", (403, None),
             await closed_with(ws_url(base, room, a.token), origin="https://evil.example"))
    check_eq("the CORS origin (http://localhost:3000) is allowed", None,
             await closed_with_timeout(ws_url(base, room, a.token), origin="http://localhost:3000"))


async def closed_with_timeout(url, **kwargs):
    """None when the connection stays open (a pong comes back), else how it ended."""
    try:
        async with connect(url, open_timeout=TIMEOUT, **kwargs) as ws:
            await sync(ws)
            return None
    except ConnectionClosed as error:
        return (error.rcvd.code, error.rcvd.reason) if error.rcvd else "closed"
    except InvalidStatus as error:
        return error.response.status_code


def http_answers():
    status, body = http("GET", f"{base}/ws/health")
    check_eq("GET /ws/health through nginx: 200 with the listener up", (200, "ok", "up"),
             (status, body.get("status") if isinstance(body, dict) else body, body.get("listener") if isinstance(body, dict) else None))
    status, body = http("GET", f"{base}/ws/chat/general")
    check_eq("a chat URL without the upgrade: 426 in JSON", (426, "WebSocket での接続が必要です"),
             (status, body.get("detail") if isinstance(body, dict) else body))
    status, body = http("GET", f"{base}/ws/elsewhere")
    check_eq("another /ws/ path: 404 in JSON", (404, "Not Found"), (status, body.get("detail") if isinstance(body, dict) else body))
    raw = RawWS(base, "/ws/chat/bad.room?token=x")
    body = json.loads(raw.body or b"{}")
    check_eq("an invalid room id: 422 with the API's validation body", (422, "path -> room_id"),
             (raw.status, (body.get("errors") or [{}])[0].get("field")))
    raw.close()
    raw = RawWS(base, "/ws/chat/general?token=x&since=soon")
    check_eq("an invalid since: 422", 422, raw.status)
    raw.close()


http_answers()
asyncio.run(chat())
asyncio.run(refusals())
finish()
