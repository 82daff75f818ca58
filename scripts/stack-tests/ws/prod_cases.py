"""The chat through nginx/prod.conf: WSS over TLS to the upstream ws_daemons (93-ws-prod-nginx.sh)."""
import asyncio
import json
import os
import ssl
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from websockets.asyncio.client import connect  # noqa: E402
from websockets.exceptions import InvalidStatus  # noqa: E402

from wstest import check_eq, finish, register, unique_room, ws_url  # noqa: E402

URL = os.environ["PROD_URL"]  # https://127.0.0.1:PORT
account = register(os.environ["STACK_URL"], "tls")
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE


async def main():
    room = unique_room("tls")
    async with connect(ws_url(URL, room, account.token), ssl=context) as ws:
        await ws.send(json.dumps({"type": "ping"}))
        check_eq("prod: wss:// through TLS reaches a daemon of upstream ws_daemons (ping → pong)",
                 {"type": "pong"}, json.loads(await asyncio.wait_for(ws.recv(), 10)))
        await ws.send(json.dumps({"content": "over TLS"}))
        event = json.loads(await asyncio.wait_for(ws.recv(), 10))
        check_eq("prod: a message comes back over TLS", "over TLS", event.get("content"))
    try:
        async with connect(ws_url(URL, room, account.token), ssl=context, origin="https://evil.example"):
            status = 101
    except InvalidStatus as error:
        status = error.response.status_code
    check_eq("prod: a foreign Origin is refused (403)", 403, status)


asyncio.run(main())
finish()
