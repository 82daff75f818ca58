"""A real SMTP server for the stack tests (aiosmtpd): records every accepted mail.

Started by mail-lib.sh (and by scripts/scaleout, on its mail host's address). Serves, on --host
(127.0.0.1):
  --port        plain SMTP with STARTTLS offered (AUTH offered once TLS is on, never required)
  --tls-port    SMTP inside TLS from the first byte (smtps), optional
Recipients decide the answer to RCPT TO:
  tempfail...@  451 the first time for that address, then accepted (a temporary failure)
  reject...@    550 always (a permanent failure)
Each accepted mail is appended as one JSON line to --out: envelope sender and recipients,
Message-ID, decoded Subject, decoded text body, the raw Subject header and Content-Transfer-Encoding.
--delay-ms makes every DATA take that long (to kill a runner in the middle of a batch).
"""
import argparse
import email
import email.policy
import json
import signal
import ssl
import threading
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Sink:
    def __init__(self, out, delay_ms):
        self.out = out
        self.delay = delay_ms / 1000.0
        self.seen = set()
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@", 1)[0].lower()
        if local.startswith("reject"):
            return "550 5.1.1 <%s>: no such user here" % address
        if local.startswith("tempfail"):
            with self.lock:
                first = address not in self.seen
                self.seen.add(address)
            if first:
                return "451 4.3.0 <%s>: mailbox busy, try again later" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)
        message = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        text = body.get_content().replace("\r\n", "\n") if body is not None else None
        record = {
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "message_id": message["Message-ID"],
            "subject": str(message["Subject"]),
            "raw_subject": _raw_header(envelope, "Subject"),
            "body": text,
            "transfer_encoding": message.get("Content-Transfer-Encoding"),
            "content_type": "%s; charset=%s" % (message.get_content_type(), message.get_content_charset()),
            "tls": session.ssl is not None or server.transport.get_extra_info("sslcontext") is not None,
            "auth": session.authenticated,
        }
        with self.lock:
            with open(self.out, "a", encoding="utf-8") as f:
                f.write(json.dumps(record, ensure_ascii=False) + "\n")
        return "250 2.0.0 OK: queued"


def _raw_header(envelope, name):
    raw = envelope.original_content or envelope.content
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    lines = head.split("\r\n")
    out = None
    for line in lines:
        if out is not None and line[:1] in (" ", "\t"):
            out += "\r\n" + line
            continue
        if out is not None:
            break
        if line.lower().startswith(name.lower() + ":"):
            out = line[len(name) + 1:].strip()
    return out


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and auth_data.password.decode() == password:
            return AuthResult(success=True)
        return AuthResult(success=False, handled=False)
    return check


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--tls-port", type=int)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--user", default="mailer")
    parser.add_argument("--password", default="s3cret-pass")
    parser.add_argument("--delay-ms", type=int, default=0)
    args = parser.parse_args()

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)
    sink = Sink(args.out, args.delay_ms)
    common = dict(hostname=args.host, auth_required=False,
                  authenticator=authenticator(args.user, args.password), enable_SMTPUTF8=True)
    controllers = [Controller(sink, port=args.port, tls_context=context, require_starttls=False,
                              auth_require_tls=True, **common)]
    if args.tls_port:
        # Inside TLS from the first byte; aiosmtpd only sees STARTTLS as "TLS" for AUTH.
        controllers.append(Controller(sink, port=args.tls_port, ssl_context=context, auth_require_tls=False, **common))
    for controller in controllers:
        controller.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    print("ready", flush=True)
    stop.wait()
    for controller in controllers:
        controller.stop()


if __name__ == "__main__":
    main()
