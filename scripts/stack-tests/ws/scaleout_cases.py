"""Two chat daemons behind two nginx front ends sharing rooms through PostgreSQL, and the
robustness of a daemon: heartbeats, slow readers, listener loss, SIGTERM (92-ws-scaleout.sh).

Daemon A is the main stack's (URL_A, nginx → STACK_WS_PORT); daemon B (URL_B) was started by
the wrapper with WS_PING_INTERVAL_SECONDS=1, a small WS_SEND_QUEUE_BYTES and its log in LOG_B.
"""
import asyncio
import json
import os
import signal
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from websockets.asyncio.client import connect, unix_connect  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402

from wstest import (Closed, RawWS, check, check_eq, direct_account, fail, finish, http, info, ok, register,  # noqa: E402
                    sql, unique_room, ws_url)

URL_A = os.environ["URL_A"]
URL_B = os.environ["URL_B"]
HEALTH_B = os.environ["HEALTH_B"]
LOG_B = os.environ["LOG_B"]
PID_B = int(os.environ["PID_B"])
SOCKET_C = os.environ["SOCKET_C"]
TIMEOUT = 10

alice = register(URL_A, "sa")
bob = register(URL_A, "sb")


async def recv(ws, timeout=TIMEOUT):
    return json.loads(await asyncio.wait_for(ws.recv(), timeout))


async def sync(ws):
    await ws.send(json.dumps({"type": "ping"}))
    while (await recv(ws)) != {"type": "pong"}:
        pass


async def quiet(ws, seconds=0.5):
    try:
        await asyncio.wait_for(ws.recv(), seconds)
        return False
    except asyncio.TimeoutError:
        return True


def health_b():
    status, body = http("GET", HEALTH_B)
    return body if isinstance(body, dict) else {}


async def messages(ws, count, timeout=30):
    """The next `count` message events (notices skipped)."""
    got = []
    deadline = time.time() + timeout
    while len(got) < count:
        event = await recv(ws, max(0.1, deadline - time.time()))
        if event.get("type") == "message":
            got.append(event)
    return got


async def across_daemons():
    room = unique_room("scale")
    async with connect(ws_url(URL_A, room, alice.token)) as a1:
        await sync(a1)
        a2 = await connect(ws_url(URL_A, room, bob.token))
        await sync(a2)
        await recv(a1)  # a2's join
        async with connect(ws_url(URL_B, room, bob.token)) as b1:
            check_eq("a join on daemon B reaches a client of daemon A",
                     {"type": "join", "user_id": str(bob.id), "message": f"{bob.id}が入室しました"}, await recv(a1))
            await recv(a2)
            await sync(b1)
            await b1.send(json.dumps({"content": "from B"}))
            got_a, got_b = await recv(a1), await recv(b1)
            check_eq("a message sent through daemon B reaches daemon A's client", "from B", got_a.get("content"))
            check_eq("… as the same event its sender gets", got_b, got_a)
            await recv(a2)
            await a1.send(json.dumps({"content": "from A"}))
            check_eq("a message sent through daemon A reaches daemon B's client", "from A", (await recv(b1)).get("content"))
            await recv(a1)
            await recv(a2)
            check("… once", await quiet(b1) and await quiet(a1), "a second copy arrived")

            async with connect(ws_url(URL_B, room, alice.token)) as b2:
                for ws in (a1, a2, b1):
                    await recv(ws)  # b2's join
                await sync(b2)
                count = 100

                async def burst(ws, tag):
                    for index in range(count):
                        await ws.send(json.dumps({"content": f"{tag}{index}"}))

                clients = {"A1": a1, "A2": a2, "B1": b1, "B2": b2}
                receiving = {name: asyncio.ensure_future(messages(ws, 2 * count)) for name, ws in clients.items()}
                await asyncio.gather(burst(a1, "a"), burst(b1, "b"))
                results = {name: await task for name, task in receiving.items()}
                sequences = {name: [m["id"] for m in got] for name, got in results.items()}
                reference = sequences["A1"]
                check_eq(f"{2 * count} messages sent at once through both daemons: every client gets all of them",
                         {name: 2 * count for name in clients}, {name: len(set(ids)) for name, ids in sequences.items()})
                check("… in one order, the same on both daemons", all(ids == reference for ids in sequences.values()),
                      f"{ {name: ids[:5] for name, ids in sequences.items()} }")
                check("… ids increasing in that order", reference == sorted(reference), f"{reference[:10]}")
                contents = [m["content"] for m in results["B2"]]
                check_eq("… each sender's messages in the order it sent them",
                         ([f"a{i}" for i in range(count)], [f"b{i}" for i in range(count)]),
                         ([c for c in contents if c[0] == "a"], [c for c in contents if c[0] == "b"]))
                check("… and nothing twice", all([await quiet(ws, 0.3) for ws in clients.values()]), "extra events")
            for ws in (a1, a2, b1):
                left = await recv(ws)
            check_eq("a leave on daemon B reaches daemon A's clients", {"type": "leave", "user_id": str(alice.id),
                                                                       "message": f"{alice.id}が退室しました"}, left)
        await a2.close()


async def heartbeat():
    room = unique_room("beat")
    raw = RawWS(URL_B, f"/ws/chat/{room}?token={alice.token}")
    raw.sync()
    dropped_before = health_b().get("dropped_unresponsive", 0)
    async with connect(ws_url(URL_B, room, bob.token), ping_interval=None) as alive:
        def read_until_closed():
            # A blocking read, in a thread: the asyncio loop must stay free to answer `alive`'s pings.
            pings = 0
            started = time.time()
            try:
                while time.time() - started < 8:
                    fin, opcode, payload = raw.recv_frame(timeout=8)
                    if opcode == 0x9:
                        pings += 1
            except (Closed, OSError):
                pass
            return pings, time.time() - started

        pings, elapsed = await asyncio.to_thread(read_until_closed)
        check("daemon B pings its clients (WS_PING_INTERVAL_SECONDS=1)", pings >= 1, f"{pings} pings")
        check("a peer that never answers is dropped after its second missed interval",
              elapsed < 6, f"still open after {elapsed:.1f}s")
        check_eq("… and counted", dropped_before + 1, health_b().get("dropped_unresponsive"))
        await asyncio.sleep(2.5)
        await sync(alive)
        ok("a peer that answers the pings (websockets does) stays connected")
    raw.close()


async def slow_reader():
    """A client that stops reading is dropped when its queue passes WS_SEND_QUEUE_BYTES; the
    other members of the room get everything, in order."""
    room = unique_room("slow")
    slow = RawWS(URL_B, f"/ws/chat/{room}?token={bob.token}", rcvbuf=4096)
    slow.sync()
    stop = threading.Event()

    def keep_pinging():
        # It writes (so the heartbeat sees it alive) but never reads again.
        while not stop.wait(0.4):
            try:
                slow.send_json({"type": "ping"})
            except OSError:
                return

    pinger = threading.Thread(target=keep_pinging, daemon=True)
    pinger.start()
    dropped_before = health_b().get("dropped_slow", 0)
    sent = 0
    async with connect(ws_url(URL_B, room, alice.token), max_size=2**22) as fast, \
            connect(ws_url(URL_A, room, alice.token)) as sender:
        await sync(fast)
        await sync(sender)
        payload = "x" * 60000
        received = []

        async def reader():
            while True:
                event = await recv(fast, 30)
                if event.get("type") == "message":
                    received.append(event["content"][:12])

        async def discard(ws):
            # The sender gets its own broadcasts too: read them, or it would be a slow reader itself.
            while True:
                await ws.recv()

        reading = asyncio.ensure_future(reader())
        discarding = asyncio.ensure_future(discard(sender))
        dropped = False
        # About 6 MB/s: easy for a client that reads, too much for one that does not.
        for batch in range(60):
            for _ in range(20):
                await sender.send(json.dumps({"content": f"{sent:08d}:" + payload}))
                sent += 1
                await asyncio.sleep(0.01)
            if health_b().get("dropped_slow", 0) > dropped_before:
                dropped = True
                break
        info(f"slow reader: dropped after {sent} messages of 60 kB ({sent * 60 // 1000} MB)")
        check("a client that stops reading is dropped (send queue over WS_SEND_QUEUE_BYTES)", dropped,
              f"not dropped after {sent} messages")
        deadline = time.time() + 30
        while len(received) < sent and time.time() < deadline:
            await asyncio.sleep(0.1)
        reading.cancel()
        discarding.cancel()
        await asyncio.gather(reading, discarding, return_exceptions=True)
        check_eq("the other client of that daemon got every message, in order",
                 [f"{i:08d}:xxx" for i in range(sent)], received[:sent])
        await sync(fast)
        ok("… and is still connected")
    stop.set()
    with open(LOG_B, encoding="utf-8", errors="replace") as log:
        check("daemon B logged the drop", "slow client dropped" in log.read(), "no log line")
    check("the slow client's connection was closed", slow.is_closed(timeout=20), "still open")
    slow.close()


async def listener_loss():
    """When a daemon loses its LISTEN session it closes its clients with 1013 (events could be
    missed); they come back with ?since= and miss nothing."""
    room = unique_room("loss")
    async with connect(ws_url(URL_B, room, bob.token)) as b, connect(ws_url(URL_A, room, alice.token)) as a:
        await sync(b)
        await sync(a)
        await a.send(json.dumps({"content": "before"}))
        last_id = (await messages(b, 1))[0]["id"]
        killed = sql("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = 'chatd-listen'")
        info(f"terminated {killed} listening sessions")
        try:
            while True:
                await recv(b, 15)
        except ConnectionClosed:
            pass
        check_eq("a daemon that loses its LISTEN session closes its clients with 1013", 1013, b.close_code)
    deadline = time.time() + 20
    while time.time() < deadline and (health_b().get("listener") != "up" or http("GET", f"{URL_A}/ws/health")[0] != 200):
        await asyncio.sleep(0.2)
    check_eq("… and listens again", "up", health_b().get("listener"))
    async with connect(ws_url(URL_A, room, alice.token)) as a:
        await sync(a)
        await a.send(json.dumps({"content": "missed"}))
        await recv(a)
        async with connect(ws_url(URL_B, room, bob.token, since=last_id)) as b:
            check_eq("reconnected with ?since=, the client gets what it missed", "missed", (await recv(b))["content"])


async def closed_within(ws, seconds):
    """(code, seconds until the close) of a connection the server closes, skipping what comes first."""
    started = time.time()
    try:
        while True:
            await recv(ws, seconds)
    except (ConnectionClosed, asyncio.TimeoutError):
        pass
    return ws.close_code, time.time() - started


async def accounts_follow():
    """Deleting or deactivating an account closes its connections on every daemon at once; its
    last messages never fail the room's other members."""
    admin = direct_account("admin", admin=True)
    for change, code in [("delete", 4001), ("deactivate", 4003)]:
        room = unique_room("acct")
        target, other = direct_account("gone"), direct_account("stays")
        async with connect(ws_url(URL_A, room, other.token)) as stays:
            await sync(stays)
            on_a = await connect(ws_url(URL_A, room, target.token))
            on_b = await connect(ws_url(URL_B, room, target.token))
            await sync(on_a)
            await sync(on_b)
            if change == "delete":
                status, _ = http("DELETE", f"{URL_A}/api/v1/users/{target.id}", token=admin.token)
            else:
                status, _ = http("PATCH", f"{URL_A}/api/v1/users/{target.id}", body={"is_active": False}, token=admin.token)
            (code_a, after_a), (code_b, after_b) = await asyncio.gather(closed_within(on_a, 5), closed_within(on_b, 5))
            check_eq(f"{change} of an account ({status}): its connections on both daemons close with {code}",
                     (code, code), (code_a, code_b))
            check(f"… within a second of the answer ({after_a:.2f}s on A, {after_b:.2f}s on B)",
                  after_a < 1 and after_b < 1, f"{after_a:.2f}s, {after_b:.2f}s")
            await sync(stays)
            ok(f"… and the room's other members stay connected ({change})")

    # A member deleted while messages of the room are being stored: the others' all arrive.
    room = unique_room("acct")
    goner, stays = direct_account("goner"), direct_account("stays")
    async with connect(ws_url(URL_A, room, stays.token)) as kept:
        await sync(kept)
        leaving = await connect(ws_url(URL_A, room, goner.token))
        await sync(leaving)
        errors = []

        async def flood(ws, tag, count):
            try:
                for index in range(count):
                    await ws.send(json.dumps({"content": f"{tag}{index}"}))
                    await asyncio.sleep(0.01)
            except ConnectionClosed:
                pass

        async def deleting():
            await asyncio.sleep(0.1)
            await asyncio.to_thread(sql, f"DELETE FROM users WHERE id = {goner.id}")

        async def collect():
            mine = 0
            deadline = time.time() + 20
            while mine < 20 and time.time() < deadline:
                event = await recv(kept, 20)
                if event.get("type") == "error":
                    errors.append(event)
                elif event.get("type") == "message" and event.get("user_id") == str(stays.id):
                    mine += 1
            return mine

        results = await asyncio.gather(collect(), flood(kept, "k", 20), flood(leaving, "g", 20), deleting())
        check_eq("a member deleted mid-conversation: the others' 20 messages all arrive", 20, results[0])
        check_eq("… and none of them fails (no storage_failed)", [], errors)
        code, _ = await closed_within(leaving, 5)
        check_eq("… while the deleted member is closed with 4001", 4001, code)


async def message_rate():
    """WS_MAX_MESSAGES_PER_SECOND (default 10, burst 30), on daemon C (the defaults; reached on
    its unix socket): a person is never limited, a flood is told so and closed with 1008."""
    account = direct_account("rate")
    room = unique_room("rate")
    url = ws_url("http://localhost", room, account.token)
    async with unix_connect(SOCKET_C, url) as person:
        await sync(person)
        for index in range(10):
            await person.send(json.dumps({"content": f"typed {index}"}))
            await asyncio.sleep(0.2)
        got = await messages(person, 10)
        check_eq("ten messages in two seconds, as a fast typist sends them, all go through", 10, len(got))
    async with unix_connect(SOCKET_C, url) as flood:
        await sync(flood)
        for index in range(200):
            try:
                await flood.send(json.dumps({"content": f"flood {index}"}))
            except ConnectionClosed:
                break
        error = None
        try:
            while True:
                event = await recv(flood, 10)
                if event.get("type") == "error":
                    error = event
        except (ConnectionClosed, asyncio.TimeoutError):
            pass
        check_eq("a flood of 200 messages at once gets the rate_limited error", "rate_limited", (error or {}).get("code"))
        check_eq("… then close 1008", 1008, flood.close_code)


async def graceful_stop():
    room = unique_room("stop")
    async with connect(ws_url(URL_A, room, alice.token)) as a:
        await sync(a)
        b = await connect(ws_url(URL_B, room, bob.token))
        await sync(b)
        await recv(a)  # b's join (a joined first)
        started = time.time()
        os.kill(PID_B, signal.SIGTERM)
        try:
            while True:
                await recv(b, 10)
        except ConnectionClosed:
            pass
        check_eq("SIGTERM: daemon B's clients get close 1001", (1001, "server shutting down"), (b.close_code, b.close_reason))
        check_eq("… and the others get their leave notice", {"type": "leave", "user_id": str(bob.id),
                                                            "message": f"{bob.id}が退室しました"}, await recv(a))
        while time.time() - started < 10:
            try:
                os.kill(PID_B, 0)
            except ProcessLookupError:
                break
            await asyncio.sleep(0.1)
        gone = time.time() - started
        check("… and daemon B exits", gone < 10, f"still running after {gone:.1f}s")
        with open(LOG_B, encoding="utf-8", errors="replace") as log:
            check("… after a clean stop", '"msg":"Chat daemon stopped"' in log.read(), "no 'Chat daemon stopped' line")
        await sync(a)
        ok("daemon A's clients are not affected")


asyncio.run(across_daemons())
asyncio.run(heartbeat())
asyncio.run(slow_reader())
asyncio.run(listener_loss())
asyncio.run(accounts_follow())
asyncio.run(message_rate())
asyncio.run(graceful_stop())
finish()
