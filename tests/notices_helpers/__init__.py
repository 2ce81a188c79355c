"""Real servers on 127.0.0.1 for the notices' tests: an SMTP server (aiosmtpd) and an HTTP receiver.

The receiver verifies each POST's signature itself (HMAC-SHA256 over ``timestamp + "." + body``, written here from
the documented format, not with gqlevolve's code), and answers from a script of statuses (``[500, 500, 200]``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Mailbox:
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    #: Recipients the server refuses with 550.
    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))  # type: ignore[arg-type]
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [message for message in self.messages if message["To"] == address]


@contextmanager
def smtp_server(**kwargs: Any) -> Iterator[tuple[Mailbox, int]]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    try:
        yield mailbox, port
    finally:
        controller.stop()


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    status: int
    verified: bool | None

    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """An HTTP server recording every POST; ``script``: the statuses of the next answers (then 200)."""

    def __init__(self, secret: str | None = None, script: list[int] | None = None, delay: float = 0.0) -> None:
        self.secret = secret
        self.delay = delay
        self.script = list(script or [])
        self.received: list[Received] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if receiver.delay:
                    time.sleep(receiver.delay)  # a slow receiver: two passes at once overlap
                with receiver.lock:
                    status = receiver.script.pop(0) if receiver.script else 200
                    headers = {name.lower(): value for name, value in self.headers.items()}
                    receiver.received.append(Received(self.path, headers, body, status, receiver.verify(headers, body)))
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                reply = b"ok" if status < 300 else f"status {status}".encode()
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def verify(self, headers: dict[str, str], body: bytes) -> bool | None:
        if self.secret is None:
            return None
        timestamp = headers.get("x-gqlevolve-timestamp", "")
        expected = "v1=" + hmac.new(self.secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, headers.get("x-gqlevolve-signature", ""))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def accepted(self) -> list[Received]:
        return [item for item in self.received if item.status < 300]

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
