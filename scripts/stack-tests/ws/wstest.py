"""Helpers of the WebSocket stack tests (scripts/stack-tests/9x-ws-*.sh): TAP-like output (tap.py) in the
format of scripts/lib/check.sh, tokens signed like the API's, accounts through the REST API,
SQL through psql, and a raw-socket WebSocket client for protocol checks that a library would
refuse to send.

Settings come from the environment the bash wrappers export: STACK_URL (nginx), SECRET_KEY,
STACK_PG_DIR, STACK_PG_PORT, STACK_DB.
"""
import base64
import hashlib
import hmac
import json
import os
import random
import socket
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

# The ok/FAIL lines and the exit status, shared with the other Python checks (re-exported for
# the case files, which import them from here).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tap import check, check_eq, fail, finish, info, ok  # noqa: E402,F401


# --- tokens, accounts, SQL -------------------------------------------------------------------

def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def make_token(sub, secret=None, typ="access", exp=None, alg="HS256"):
    """A JWT as the API signs it (python-jose's layout); `alg` none gives an unsigned one."""
    secret = os.environ["SECRET_KEY"] if secret is None else secret
    header = b64url(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":"), sort_keys=True).encode())
    claims = {"sub": str(sub), "exp": int(time.time()) + 600 if exp is None else exp, "type": typ}
    payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
    if alg == "none":
        return f"{header}.{payload}."
    signature = hmac.new(secret.encode(), f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64url(signature)}"


def http(method, url, body=None, token=None, form=None, headers=None):
    """(status, parsed JSON or text) of one request."""
    data = None
    request_headers = dict(headers or {})
    if body is not None:
        data = json.dumps(body).encode()
        request_headers["Content-Type"] = "application/json"
    elif form is not None:
        data = urllib.parse.urlencode(form).encode()
        request_headers["Content-Type"] = "application/x-www-form-urlencoded"
    if token:
        request_headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, method=method, headers=request_headers)
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    try:
        return status, json.loads(raw)
    except ValueError:
        return status, raw.decode(errors="replace")


class Account:
    def __init__(self, user_id, email, token):
        self.id = user_id
        self.email = email
        self.token = token


def register(base, prefix="ws"):
    """A new account through the REST API, logged in."""
    name = f"{prefix}_{random.randrange(1 << 30)}"
    password = "WsTestPass123!"
    status, body = http("POST", f"{base}/api/v1/auth/register", body={
        "username": name, "email": f"{name}@example.com", "password": password, "password_confirm": password})
    if status != 201:
        raise RuntimeError(f"register {name}: {status} {body}")
    status, tokens = http("POST", f"{base}/api/v1/auth/token", form={"username": f"{name}@example.com", "password": password})
    if status != 200:
        raise RuntimeError(f"login {name}: {status} {tokens}")
    return Account(body["user_id"], f"{name}@example.com", tokens["access_token"])


def direct_account(prefix="ws", admin=False):
    """A new account made with SQL and an access token minted for it (no bcrypt, no login: for
    tests that need many accounts, far more than the login rate limit allows)."""
    name = f"{prefix}_{random.randrange(1 << 40):x}"
    email = f"{name}@example.com"
    user_id = int(sql(
        "INSERT INTO users (username, email, hashed_password, is_active, is_admin, created_at, updated_at) "
        f"VALUES ('{name}', '{email}', 'not-a-hash', true, {str(admin).lower()}, now(), now()) RETURNING id"))
    return Account(user_id, email, make_token(user_id))


def sql(statement):
    """Runs SQL on the stack's database as the superuser; returns psql's unaligned output."""
    psql = os.environ.get("PSQL", "psql")
    result = subprocess.run(
        [psql, "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-h", os.environ["STACK_PG_DIR"],
         "-p", os.environ["STACK_PG_PORT"], "-U", "postgres", "-d", os.environ["STACK_DB"], "-c", statement],
        capture_output=True, text=True, timeout=30)
    if result.returncode != 0:
        raise RuntimeError(f"psql: {result.stderr.strip()}")
    return result.stdout.strip()


def ws_url(http_base, room, token=None, since=None):
    url = http_base.replace("http://", "ws://").replace("https://", "wss://") + f"/ws/chat/{room}"
    query = {}
    if token is not None:
        query["token"] = token
    if since is not None:
        query["since"] = since
    return url + ("?" + urllib.parse.urlencode(query) if query else "")


def unique_room(prefix="room"):
    return f"{prefix}-{random.randrange(1 << 40):x}"


# --- a raw WebSocket client --------------------------------------------------------------------

class Closed(Exception):
    """The server closed the TCP connection."""


class RawWS:
    """A WebSocket client on a plain socket: sends any frame (unmasked, fragmented, reserved
    bits, bad UTF-8) and reads frames as they come, without answering anything by itself."""

    def __init__(self, http_base, path, headers=None, rcvbuf=None, timeout=10):
        parsed = urllib.parse.urlparse(http_base)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(timeout)
        self.sock.connect((parsed.hostname, parsed.port or 80))
        key = base64.b64encode(os.urandom(16)).decode()
        lines = [f"GET {path} HTTP/1.1", f"Host: {parsed.hostname}:{parsed.port or 80}", "Upgrade: websocket",
                 "Connection: Upgrade", f"Sec-WebSocket-Key: {key}", "Sec-WebSocket-Version: 13"]
        lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        self.buffer = b""
        while b"\r\n\r\n" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Closed("closed during the handshake")
            self.buffer += chunk
        head, self.buffer = self.buffer.split(b"\r\n\r\n", 1)
        head_lines = head.decode("latin-1").split("\r\n")
        self.status = int(head_lines[0].split()[1])
        self.headers = {}
        for line in head_lines[1:]:
            name, _, value = line.partition(":")
            self.headers[name.strip().lower()] = value.strip()
        if self.status == 101:
            expected = base64.b64encode(hashlib.sha1((key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
            if self.headers.get("sec-websocket-accept") != expected:
                raise RuntimeError("bad Sec-WebSocket-Accept")
        else:
            # The body of a refusal, for the checks.
            length = int(self.headers.get("content-length", "0"))
            while len(self.buffer) < length:
                chunk = self.sock.recv(4096)
                if not chunk:
                    break
                self.buffer += chunk
            self.body = self.buffer[:length]

    def send_frame(self, opcode, payload=b"", fin=True, mask=True, rsv=0):
        self.sock.sendall(self.frame(opcode, payload, fin, mask, rsv))

    @staticmethod
    def frame(opcode, payload=b"", fin=True, mask=True, rsv=0):
        """The bytes of one frame."""
        if isinstance(payload, str):
            payload = payload.encode()
        first = (0x80 if fin else 0) | (rsv << 4) | opcode
        length = len(payload)
        mask_bit = 0x80 if mask else 0
        if length < 126:
            header = struct.pack("!BB", first, mask_bit | length)
        elif length < 65536:
            header = struct.pack("!BBH", first, mask_bit | 126, length)
        else:
            header = struct.pack("!BBQ", first, mask_bit | 127, length)
        if mask:
            key = os.urandom(4)
            payload = bytes(b ^ key[i % 4] for i, b in enumerate(payload))
            header += key
        return header + payload

    def send_text(self, text):
        self.send_frame(0x1, text)

    def send_json(self, value):
        self.send_frame(0x1, json.dumps(value, ensure_ascii=False))

    def _read(self, count):
        while len(self.buffer) < count:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise Closed("EOF")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def recv_frame(self, timeout=10):
        """(fin, opcode, payload) of the next frame; raises Closed on EOF, socket.timeout."""
        self.sock.settimeout(timeout)
        first, second = self._read(2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack("!H", self._read(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self._read(8))[0]
        if second & 0x80:
            raise RuntimeError("the server masked a frame")
        return bool(first & 0x80), first & 0x0F, self._read(length)

    def recv_json(self, timeout=10, skip_pings=True):
        """The next text message as JSON (server pings are skipped)."""
        while True:
            fin, opcode, payload = self.recv_frame(timeout)
            if opcode == 0x9 and skip_pings:
                continue
            if opcode != 0x1:
                raise RuntimeError(f"expected a text frame, got opcode {opcode} {payload!r}")
            return json.loads(payload)

    def expect_close(self, timeout=10):
        """(code, reason) of the server's close frame, skipping anything before it; then checks
        that the server closes TCP. Returns (None, why) when no close frame came."""
        deadline = time.time() + timeout
        try:
            while time.time() < deadline:
                fin, opcode, payload = self.recv_frame(max(0.1, deadline - time.time()))
                if opcode == 0x8:
                    code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                    return code, payload[2:].decode(errors="replace")
        except (Closed, OSError) as error:
            return None, f"no close frame ({error!r})"
        return None, "timeout"

    def is_closed(self, timeout=5):
        """True when the server closes TCP within `timeout` (whatever arrives meanwhile is read)."""
        deadline = time.time() + timeout
        try:
            while time.time() < deadline:
                self.sock.settimeout(max(0.05, deadline - time.time()))
                if not self.sock.recv(65536):
                    return True
        except socket.timeout:
            return False
        except OSError:
            return True
        return False

    def sync(self, timeout=10):
        """Sends a ping message and waits for the pong: the join is done."""
        self.send_json({"type": "ping"})
        while True:
            message = self.recv_json(timeout)
            if message == {"type": "pong"}:
                return

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass
