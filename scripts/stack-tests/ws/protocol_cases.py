"""RFC 6455 conformance of the chat daemon, with raw frames through nginx (91-ws-protocol.sh)."""
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from wstest import (Closed, RawWS, check, check_eq, fail, finish, info, ok, register,  # noqa: E402
                    unique_room)

base = os.environ["STACK_URL"]
max_frame = int(os.environ.get("WS_MAX_FRAME_BYTES", "65536"))
account = register(base, "proto")
room = unique_room("proto")
path = f"/ws/chat/{room}?token={account.token}"


def joined():
    client = RawWS(base, path)
    if client.status != 101:
        raise RuntimeError(f"handshake answered {client.status}")
    client.sync()
    return client


def expect_failure(name, code, send):
    """Connects, does `send(client)`, and expects a close frame with `code` and the TCP close."""
    client = joined()
    try:
        send(client)
        got, reason = client.expect_close()
        check_eq(f"{name}: close {code}", code, got)
        try:
            # Answer as a client should; the server then closes TCP (or does within a second).
            client.send_frame(0x8, struct.pack("!H", got or 1000))
        except OSError:
            pass
        check(f"{name}: the server closes the connection", client.is_closed(), "TCP still open")
        return reason
    finally:
        client.close()


# A fragmented message, and control frames between its fragments.
client = joined()
client.send_frame(0x1, '{"type":"mess', fin=False)
client.send_frame(0x9, b"between")
fin, opcode, payload = client.recv_frame()
check_eq("ping between fragments: answered at once with its payload", (True, 0xA, b"between"), (fin, opcode, payload))
client.send_frame(0x0, 'age","content":"frag', fin=False)
client.send_frame(0xA, b"unsolicited pong")
client.send_frame(0x0, 'mented ✓"}', fin=True)
message = client.recv_json()
check_eq("fragments are joined into one message (with a pong between them)", "fragmented ✓", message.get("content"))
check_eq("the joined message is broadcast with an id", "message", message.get("type"))
# A character split between two fragments.
data = '{"content":"é"}'.encode()
split = data.index(b"\xc3") + 1
client.send_frame(0x1, data[:split], fin=False)
client.send_frame(0x0, data[split:], fin=True)
check_eq("UTF-8 may be split between fragments", "é", client.recv_json().get("content"))
client.send_frame(0x9, b"\x00\xff payload")
check_eq("ping → pong with the same (binary) payload", (True, 0xA, b"\x00\xff payload"), client.recv_frame())
client.send_frame(0x9, b"")
check_eq("empty ping → empty pong", (True, 0xA, b""), client.recv_frame())

# The close handshake, started by the client: the code is echoed, then the server closes TCP.
client.send_frame(0x8, struct.pack("!H", 1000) + "さようなら".encode())
code, _ = client.expect_close()
check_eq("close handshake: the client's code is echoed", 1000, code)
check("close handshake: the server closes TCP after it", client.is_closed(), "TCP still open")
client.close()
client = joined()
client.send_frame(0x8, b"")
fin, opcode, payload = client.recv_frame()
check_eq("close without a code: answered with an empty close frame", (0x8, b""), (opcode, payload))
client.close()
client = joined()
client.send_frame(0x8, struct.pack("!H", 4500))
check_eq("close with an application code (4500): echoed", 4500, client.expect_close()[0])
client.close()

# Messages sent right after the handshake wait for the join and are not lost.
client = RawWS(base, path)
client.sock.sendall(RawWS.frame(0x1, '{"type":"message","content":"early bird"}') + RawWS.frame(0x1, '{"type":"ping"}'))
got = [client.recv_json(), client.recv_json()]
# The pong is immediate; the message comes back through PostgreSQL.
check_eq("messages sent before the join completes are handled after it",
         [{"type": "pong"}, "early bird"], [got[0], got[1].get("content")])
client.close()

# Failures.
expect_failure("invalid UTF-8 in a text message", 1007, lambda c: c.send_frame(0x1, b'{"content":"\xc3\x28"}'))
expect_failure("invalid UTF-8 across fragments", 1007,
               lambda c: (c.send_frame(0x1, b'{"content":"\xf0\x9f', fin=False), c.send_frame(0x0, b'"}', fin=True)))
expect_failure("an encoded surrogate (ED A0 80)", 1007, lambda c: c.send_frame(0x1, b'"\xed\xa0\x80"'))
expect_failure("an unmasked client frame", 1002, lambda c: c.send_frame(0x1, '{"type":"ping"}', mask=False))
expect_failure("a reserved bit without an extension", 1002, lambda c: c.send_frame(0x1, "{}", rsv=0b100))
expect_failure("a reserved opcode (0x3)", 1002, lambda c: c.send_frame(0x3, b"x"))
expect_failure("a reserved control opcode (0xB)", 1002, lambda c: c.send_frame(0xB, b"x"))
expect_failure("a continuation without a message", 1002, lambda c: c.send_frame(0x0, b"x"))
expect_failure("a new message inside a fragmented one", 1002,
               lambda c: (c.send_frame(0x1, b"{", fin=False), c.send_frame(0x1, b"{}")))
expect_failure("a fragmented control frame", 1002, lambda c: c.send_frame(0x9, b"x", fin=False))
expect_failure("a control frame over 125 bytes", 1002, lambda c: c.send_frame(0x9, b"x" * 126))
expect_failure("a close frame with a 1-byte payload", 1002, lambda c: c.send_frame(0x8, b"\x03"))
expect_failure("a close frame with a reserved code (1005)", 1002, lambda c: c.send_frame(0x8, struct.pack("!H", 1005)))
expect_failure("a close reason that is not UTF-8", 1007, lambda c: c.send_frame(0x8, struct.pack("!H", 1000) + b"\xff"))
expect_failure("a binary message (the chat speaks JSON text)", 1003, lambda c: c.send_frame(0x2, b"\x01\x02"))
expect_failure(f"a frame over WS_MAX_FRAME_BYTES ({max_frame})", 1009,
               lambda c: c.send_frame(0x1, b'"' + b"a" * max_frame + b'"'))
half = max_frame // 2 + 10
expect_failure("fragments adding up to more than WS_MAX_MESSAGE_BYTES", 1009,
               lambda c: (c.send_frame(0x1, b"a" * half, fin=False), c.send_frame(0x0, b"a" * half, fin=False),
                          c.send_frame(0x0, b"a" * 10, fin=True)))

# The daemon is still there for everyone else.
client = joined()
client.send_json({"content": "still here"})
check_eq("after all that, the daemon still serves", "still here", client.recv_json().get("content"))
client.close()
finish()
