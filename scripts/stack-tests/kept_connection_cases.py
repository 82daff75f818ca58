"""The pool's workers and connections kept open (FCGI_KEEP_CONN), spoken to as nginx does, without
nginx: every worker is given a kept connection that then sits idle, and a request on a new
connection must still be answered at once. A worker that only read its kept connection (libfcgi's
own loop, and the FIELD-NOTES trap) would leave it in the backlog until one of them closes.

usage: kept_connection_cases.py SOCKET WORKERS"""
import socket
import struct
import sys
import time

from tap import check, finish, info

BEGIN_REQUEST, END_REQUEST, PARAMS, STDIN, STDOUT = 1, 3, 4, 5, 6
KEEP_CONN = 1


def record(kind, content=b""):
    padding = (8 - len(content) % 8) % 8
    return struct.pack(">BBHHBx", 1, kind, 1, len(content), padding) + content + b"\0" * padding


def pair(name, value):
    name, value = name.encode(), value.encode()
    return bytes([len(name), len(value)]) + name + value


def send_get(conn, path, keep):
    params = b"".join(pair(n, v) for n, v in {
        "REQUEST_METHOD": "GET", "REQUEST_URI": path, "SCRIPT_NAME": path, "QUERY_STRING": "",
        "REMOTE_ADDR": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1", "GATEWAY_INTERFACE": "CGI/1.1",
    }.items())
    begin = struct.pack(">HB5x", 1, KEEP_CONN if keep else 0)
    conn.sendall(record(BEGIN_REQUEST, begin) + record(PARAMS, params) + record(PARAMS) + record(STDIN))


def read_exactly(conn, count):
    data = b""
    while len(data) < count:
        chunk = conn.recv(count - len(data))
        if not chunk:
            raise ConnectionError("closed by the worker")
        data += chunk
    return data


def read_status(conn):
    """The Status: of the response, read up to END_REQUEST."""
    out = b""
    while True:
        _, kind, _, length, padding = struct.unpack(">BBHHBx", read_exactly(conn, 8))
        content = read_exactly(conn, length + padding)[:length]
        if kind == STDOUT:
            out += content
        if kind == END_REQUEST:
            head = out.split(b"\r\n\r\n", 1)[0].decode()
            return next((l.split(":", 1)[1].strip()[:3] for l in head.split("\r\n") if l.lower().startswith("status:")), "200")


def main():
    path, workers = sys.argv[1], int(sys.argv[2])
    kept = []
    for _ in range(workers * 2):
        conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        conn.settimeout(5)
        conn.connect(path)
        send_get(conn, "/health", keep=True)
        try:
            kept.append((conn, read_status(conn)))
        except (socket.timeout, ConnectionError) as error:
            # A pool whose workers are pinned to the kept connections they hold stops here.
            kept.append((conn, f"no answer within 5 s: {error}"))
            break
    check(f"{workers * 2} kept connections ({workers} workers), each answered 200",
          len(kept) == workers * 2 and all(status == "200" for _, status in kept),
          [s for _, s in kept][-3:])
    if len(kept) < workers * 2 or any(status != "200" for _, status in kept):
        finish()
    # Every worker holds at least one idle kept connection now. A new connection:
    newcomer = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    newcomer.settimeout(3)
    newcomer.connect(path)
    started = time.monotonic()
    send_get(newcomer, "/health", keep=False)
    try:
        status = read_status(newcomer)
    except (socket.timeout, ConnectionError) as error:
        status = f"no answer: {error}"
    elapsed = (time.monotonic() - started) * 1000
    info(f"new connection answered in {elapsed:.1f} ms")
    check("a request on a new connection is answered while every worker holds an idle kept one",
          status == "200", status)
    # The kept connections still work, and closing them ends nothing else.
    for conn, _ in kept:
        send_get(conn, "/health", keep=True)
    again = [read_status(conn) for conn, _ in kept]
    check("each kept connection answers its next request", all(s == "200" for s in again), again)
    for conn, _ in kept:
        conn.close()
    finish()


main()
