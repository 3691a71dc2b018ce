#!/usr/bin/python3
"""SMTP sink for the tests (tests/support/smtp_sink.h starts it).

  python3 smtp_sink.py --dir DIR --cert CERT --key KEY
                       [--auth USER:PASSWORD] [--implicit-tls]

Listens on 127.0.0.1, any free port, with aiosmtpd (Debian's
python3-aiosmtpd, 1.4.3). Once it accepts connections it writes the port to
DIR/port (through a temporary name and a rename: a reader never sees part
of it).

Default mode: plain SMTP offering STARTTLS and requiring it before anything
but EHLO/HELO/NOOP/QUIT/STARTTLS (530 otherwise, MAIL included).
--implicit-tls: TLS from the first byte (smtps).
--auth USER:PASSWORD: AUTH PLAIN and LOGIN offered once the connection is
encrypted, and required (530) before MAIL; only that user and password
pass (535 otherwise). Without it, no AUTH is offered or required.

Each message accepted is written as DIR/msg-<n>.eml (n = 1, 2, ...: the
message as the client sent it after DATA, dot-unstuffed, CRLFs kept) and
then DIR/msg-<n>.json ({"mail_from", "rcpt_tos", "tls", "authenticated_as"
(the user, or null)}); both through a rename, the .json last, so a .json
means its message is complete. SIGTERM or SIGINT: stops and exits 0.
"""

import argparse
import json
import logging
import os
import signal
import ssl
import sys
import warnings

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def write_atomically(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


class Sink:
    """The aiosmtpd handler: records each message in the folder."""

    def __init__(self, folder, auth):
        self.folder = folder
        self.auth = auth
        self.count = 0

    async def handle_EHLO(self, server, session, envelope, hostname,
                          responses):
        # aiosmtpd offers AUTH whenever the connection is encrypted, even with
        # nothing that could pass it; a sink without --auth offers none.
        session.host_name = hostname
        if self.auth is None:
            responses = [r for r in responses if not r[4:].startswith("AUTH")]
        return responses

    async def handle_DATA(self, server, session, envelope):
        # The whole loop is one thread and this does no await: messages are
        # numbered and written in the order they are accepted.
        self.count += 1
        base = os.path.join(self.folder, f"msg-{self.count}")
        write_atomically(base + ".eml", envelope.original_content)
        user = None
        if session.authenticated and isinstance(
            session.auth_data, LoginPassword
        ):
            user = session.auth_data.login.decode("utf-8", "replace")
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            # session.ssl is only set by STARTTLS; the transport knows both.
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "authenticated_as": user,
        }
        write_atomically(base + ".json", json.dumps(meta).encode("utf-8"))
        return "250 OK"


class Authenticator:
    def __init__(self, user, password):
        self.user = user.encode("utf-8")
        self.password = password.encode("utf-8")

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user
            and auth_data.password == self.password
        )
        if ok:
            return AuthResult(success=True, auth_data=auth_data)
        # handled=False: smtp_AUTH answers 535 (handled=True, the default,
        # would mean this sent the answer itself, and the client would wait).
        return AuthResult(success=False, handled=False)


class AnyPortController(Controller):
    """Controller on port 0: Controller.start() pokes the server at
    self.port to finish starting it, which must then be the real port."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--auth", help="USER:PASSWORD")
    parser.add_argument("--implicit-tls", action="store_true")
    args = parser.parse_args()
    # aiosmtpd's own logger: its errors (a failed TLS handshake, say) go to
    # stderr; not its warnings about its own deprecated Session.login_data.
    logging.getLogger("mail.log").setLevel(logging.ERROR)

    auth = None
    if args.auth is not None:
        user, sep, password = args.auth.partition(":")
        if not sep or not user:
            parser.error("--auth wants USER:PASSWORD")
        auth = (user, password)

    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(args.cert, args.key)

    smtp_options = dict(
        # Not socket.getfqdn(): that may wait on DNS.
        server_hostname="localhost",
        # The raw bytes, not decoded text.
        decode_data=False,
    )
    if args.implicit_tls:
        # aiosmtpd counts only STARTTLS as encryption: on an smtps connection
        # it would refuse AUTH (538) unless told TLS is not needed for it.
        smtp_options.update(ssl_context=tls, auth_require_tls=False)
        warnings.filterwarnings(
            "ignore", message="Requiring AUTH while not requiring TLS"
        )
    else:
        smtp_options.update(tls_context=tls, require_starttls=True)
    if auth is not None:
        smtp_options.update(
            authenticator=Authenticator(*auth), auth_required=True
        )

    # SIGTERM and SIGINT wait for sigwait() below: blocked before any thread
    # starts, so every thread inherits the mask and none takes them.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})
    controller = AnyPortController(
        Sink(args.dir, auth),
        hostname="127.0.0.1",
        port=0,
        ready_timeout=60,
        **smtp_options,
    )
    controller.start()
    port_file = os.path.join(args.dir, "port")
    write_atomically(port_file, f"{controller.port}\n".encode())
    print(f"smtp_sink: listening on 127.0.0.1:{controller.port}", flush=True)

    signal.sigwait({signal.SIGTERM, signal.SIGINT})
    controller.stop()
    print("smtp_sink: stopped", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
