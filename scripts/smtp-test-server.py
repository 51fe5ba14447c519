#!/usr/bin/python3
"""A real SMTP server for the tests (Debian's python3-aiosmtpd), on a loopback port:

    /usr/bin/python3 scripts/smtp-test-server.py --port PORT --maildir DIR
        [--reject ADDR]... [--hold ADDR]... [--user U --password P] [--tls-cert CRT --tls-key KEY]

Every message accepted is stored in the Maildir DIR (read it with Python's
mailbox.Maildir, or count the files in DIR/new). A recipient given with
--reject is refused at RCPT with a 550 and the server's reason; a message to
a recipient given with --hold is stored, and then answered only after two
minutes (a client killed while it waits has sent it, but never heard back).
With --user, the server asks for a login (AUTH PLAIN/LOGIN, allowed without
TLS here: loopback only) and refuses any other password with 535. With
--tls-cert and --tls-key, it offers STARTTLS with that certificate.
Prints "ready PORT" on stdout once it accepts connections, and runs until
killed.
"""
import argparse
import asyncio
import mailbox
import signal
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, maildir, reject, hold):
        self.box = mailbox.Maildir(maildir, create=True)
        self.reject = {a.lower() for a in reject}
        self.hold = {a.lower() for a in hold}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.reject:
            return "550 5.1.1 <%s>: Recipient address rejected: User unknown" % address
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.box.add(envelope.original_content or envelope.content)
        if any(r.lower() in self.hold for r in envelope.rcpt_tos):
            await asyncio.sleep(120)
        return "250 2.0.0 Message accepted for delivery"


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--maildir", required=True)
    p.add_argument("--reject", action="append", default=[])
    p.add_argument("--hold", action="append", default=[])
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--tls-cert")
    p.add_argument("--tls-key")
    a = p.parse_args()

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == a.user
            and auth_data.password.decode() == a.password
        )
        return AuthResult(success=ok, handled=False)

    kwargs = {}
    if a.user:
        kwargs = dict(authenticator=authenticator, auth_require_tls=False, auth_required=True)
    if a.tls_cert:
        import ssl

        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        kwargs["tls_context"] = ctx
    c = Controller(Handler(a.maildir, a.reject, a.hold), hostname="127.0.0.1", port=a.port, **kwargs)
    c.start()
    print("ready", a.port, flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (c.stop(), sys.exit(0)))
    signal.pause()


if __name__ == "__main__":
    main()
