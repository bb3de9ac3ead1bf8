"""SMTP doubles on 127.0.0.1: a recording aiosmtpd handler, a server that accepts connections
and never answers, a port nothing listens on, and the email channel wired to them."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import redis
from aiosmtpd.controller import Controller

from reminders.channels import Outgoing
from reminders.channels.smtp.transport import SmtpEmail
from reminders.clock import FixedClock
from reminders.i18n.messages import Email
from reminders.i18n.render import email_html
from reminders.settings import Clinic, SmtpSettings
from reminders.store import Store
from tests.factories import BOOKED_AT

CLINIC = Clinic("Clínica São José", "+49 30 1234567", "Hauptstraße 1", "praxis@example.org", "en")
ARABIC_SUBJECT = "موعدك غدًا في الساعة 9:00"
ARABIC = ["عزيزتي ماريا،", "موعد الحقن غدًا في الساعة 9:00."]


class Recorder:
    """Records what it accepts; refuses recipients at ``refused.*`` (5xx) and ``busy.*`` (4xx)."""

    def __init__(self) -> None:
        self.received: list[EmailMessage] = []
        self.envelopes: list[Any] = []

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        if address.startswith("refused"):
            return "550 5.1.1 No such user"
        if address.startswith("busy"):
            return "450 4.2.1 Mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        raw = envelope.original_content or envelope.content
        self.received.append(message_from_bytes(raw, policy=policy.default))  # type: ignore[arg-type]
        return "250 OK"


class Silent:
    """Accepts TCP connections and never says a word."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                self.held.append(self.sock.accept()[0])
            except OSError:
                return

    def close(self) -> None:
        self.sock.close()
        for c in self.held:
            c.close()


def free_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def smtp_server(handler: Any, **kw: Any) -> Iterator[Controller]:
    """An aiosmtpd server on a free port, running ``handler``, for the block's duration."""
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kw)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def email_channel(port: int, client: redis.Redis, prefix: str, **kw: Any) -> SmtpEmail:
    """The SMTP channel pointed at 127.0.0.1:``port``; ``kw`` overrides SmtpSettings fields."""
    settings = SmtpSettings(
        **{
            "host": "127.0.0.1",
            "port": port,
            "security": "none",
            "timeout": 1.0,
            "email_from": "reminders@example.org",
            **kw,
        }
    )
    return SmtpEmail(settings, CLINIC, Store(client, prefix).sendlog, FixedClock(BOOKED_AT))


def outgoing_email(
    to: str = "maria@example.org",
    locale: str = "ar",
    subject: str = ARABIC_SUBJECT,
    paragraphs: list[str] = ARABIC,
) -> Outgoing:
    """An escort email (Arabic unless told otherwise) with its HTML part."""
    html = email_html(Email(subject, paragraphs), locale)
    return Outgoing(
        "APT-1001:1:escort:-:email", "email", to, locale, "\n\n".join(paragraphs), subject, html
    )
