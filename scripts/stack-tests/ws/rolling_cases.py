"""Clients keep chatting while the chat daemons restart one at a time (96-upgrade-drill.sh).

CLIENTS clients join one room through nginx (wss://, the rehearsal's two daemons behind upstream
ws_daemons) and each sends numbered messages, one at a time: the next once the previous came
back. A client whose daemon stops (close 1001) reconnects at once with ?since=<the last id it
saw>, as the README tells clients to, and nginx gives it the other daemon. A message it had sent
but not seen back is looked up in the REST history: stored ones arrive by the replay, others are
sent again. They send a few messages a second each (below the daemon's default
WS_MAX_MESSAGES_PER_SECOND, which the rehearsal keeps). They go on until the file STOP_FILE appears (the restarts are done), then wait until
they have all seen everything. READY_FILE tells the restarting script when to begin.

Checked: every message that was stored reached every client exactly once (no gap, no repeat
across the reconnects), and the clients did reconnect (the drill did what it says).
"""
import asyncio
import collections
import json
import os
import ssl
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import ConnectionClosed, InvalidStatus  # noqa: E402

from wstest import check, check_eq, finish, http, info, register, unique_room, ws_url  # noqa: E402

# The rehearsal's certificate is self-signed: no verification, for urllib (wstest's REST helpers)
# and for the WebSocket connections alike.
ssl._create_default_https_context = ssl._create_unverified_context  # noqa: SLF001

URL = os.environ["REHEARSAL_URL"]
READY_FILE = os.environ["READY_FILE"]   # written once every client is in and has been heard
STOP_FILE = os.environ["STOP_FILE"]
CLIENTS = int(os.environ.get("CLIENTS", "6"))
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
room = unique_room("rolling")


class Client:
    def __init__(self, number, account):
        self.number = number
        self.account = account
        # A fresh room: ?since=0 from the first join on, so that what others say before this
        # client's join is in effect still reaches it (by the replay).
        self.last_id = 0
        self.seen = collections.Counter()   # content -> times received
        self.sent = []                      # contents known to be stored
        self.reconnects = 0
        self.resent = 0
        self.ws = None

    async def connect(self):
        deadline = time.monotonic() + 60
        while True:
            try:
                self.ws = await connect(ws_url(URL, room, self.account.token, since=self.last_id), ssl=context,
                                        open_timeout=5)
                return
            except (OSError, InvalidStatus, asyncio.TimeoutError):
                if time.monotonic() > deadline:
                    raise
                await asyncio.sleep(0.1)

    def take(self, raw):
        event = json.loads(raw)
        if event.get("type") == "message":
            self.seen[event["content"]] += 1
            self.last_id = max(self.last_id or 0, event["id"])
            return event["content"]
        return None

    async def receive_until(self, wanted, seconds):
        """Reads events until `wanted` (a content) arrived or the time is up; False on timeout."""
        deadline = time.monotonic() + seconds
        while wanted is None or self.seen[wanted] == 0:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            try:
                self.take(await asyncio.wait_for(self.ws.recv(), left))
            except asyncio.TimeoutError:
                return False
        return True

    async def reconnect(self):
        self.reconnects += 1
        await self.connect()

    async def send(self, content):
        """Sends one message and waits until it came back, reconnecting when the daemon goes."""
        unsent = True
        while True:
            try:
                if unsent:
                    await self.ws.send(json.dumps({"type": "message", "content": content}))
                    unsent = False
                if await self.receive_until(content, 15):
                    self.sent.append(content)
                    return
                raise RuntimeError(f"client {self.number}: {content} not echoed within 15 s")
            except ConnectionClosed:
                await self.reconnect()
                # The replay brings what was stored after last_id; what is not in the history
                # never reached the database and is sent again.
                await asyncio.sleep(0.5)
                if self.seen[content] == 0 and content not in await asyncio.to_thread(history):
                    self.resent += 1
                    unsent = True

    async def run(self, ready):
        sequence = 0
        while not os.path.exists(STOP_FILE):
            if sequence == 3:
                ready.release()
            sequence += 1
            await self.send(f"c{self.number}-{sequence}")
            await asyncio.sleep(0.15)
        # Let the one-second tail after the restarts pass with messages too.
        for _ in range(10):
            sequence += 1
            await self.send(f"c{self.number}-{sequence}")
            await asyncio.sleep(0.15)

    async def drain(self, expected):
        """Reads until every expected message was seen (reconnecting if needed), up to 30 s."""
        deadline = time.monotonic() + 30
        while any(self.seen[c] == 0 for c in expected) and time.monotonic() < deadline:
            try:
                self.take(await asyncio.wait_for(self.ws.recv(), max(0.1, deadline - time.monotonic())))
            except asyncio.TimeoutError:
                break
            except ConnectionClosed:
                await self.reconnect()


def history():
    """Contents of the room's stored messages (REST, newest pages first), all of them."""
    contents, before = [], None
    while True:
        query = "limit=100" + (f"&before_id={before}" if before else "")
        status, body = http("GET", f"{URL}/api/v1/rooms/{room}/messages?{query}", token=accounts[0].token)
        if status != 200:
            raise RuntimeError(f"history: {status} {body}")
        items = body["messages"]
        contents += [m["content"] for m in items]
        if not body.get("has_more") or not items:
            return contents
        before = min(m["id"] for m in items)


accounts = [register(URL, f"roll{n}") for n in range(CLIENTS)]


async def main():
    clients = [Client(n, account) for n, account in enumerate(accounts)]
    # Everyone is in the room before the first message: a client only gets what is said after
    # it joined (or after its ?since=).
    await asyncio.gather(*(c.connect() for c in clients))
    ready = asyncio.Semaphore(0)

    async def announce():
        for _ in clients:
            await ready.acquire()
        open(READY_FILE, "w").close()

    await asyncio.gather(announce(), *(c.run(ready) for c in clients))
    expected = [content for c in clients for content in c.sent]
    await asyncio.gather(*(c.drain(expected) for c in clients))
    stored = history()
    info(f"{len(expected)} messages from {CLIENTS} clients; reconnects {sum(c.reconnects for c in clients)}, "
         f"sent again {sum(c.resent for c in clients)}")
    check_eq("every message the clients sent is stored exactly once",
             sorted(expected), sorted(stored))
    for c in clients:
        missing = [m for m in expected if c.seen[m] == 0]
        repeated = [m for m in expected if c.seen[m] > 1]
        extra = [m for m in c.seen if m not in set(expected)]
        check(f"client {c.number}: every message exactly once ({len(expected)}; reconnected {c.reconnects}x)",
              not missing and not repeated and not extra,
              f"missing {missing[:5]} ({len(missing)}), repeated {repeated[:5]} ({len(repeated)}), unknown {extra[:5]}")
    # Each client sat on one of the two daemons, and each daemon restarted once.
    check("every client was moved by the restarts (reconnected at least once)",
          all(c.reconnects >= 1 for c in clients), f"reconnects per client: {[c.reconnects for c in clients]}")
    for c in clients:
        await c.ws.close()


asyncio.run(main())
finish()
