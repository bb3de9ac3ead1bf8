"""The SMTP email channel against a real in-process SMTP server (aiosmtpd): what goes over the
wire, parsed back with the email package, and how the server's answers are classified."""

from __future__ import annotations

import socket
import ssl
import subprocess
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import redis
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from reminders.channels import DeliveryError, Outgoing
from reminders.channels.email import SmtpEmail
from reminders.clock import FixedClock
from reminders.i18n.messages import Email
from reminders.i18n.render import email_html
from reminders.settings import Clinic, SmtpSettings
from tests.factories import BOOKED_AT

CLINIC = Clinic("Clínica São José", "+49 30 1234567", "Hauptstraße 1", "praxis@example.org", "en")
ARABIC_SUBJECT = "موعدك غدًا في الساعة 9:00"
ARABIC = ["عزيزتي ماريا،", "موعد الحقن غدًا في الساعة 9:00."]
CHINESE_SUBJECT = "明天上午9:00：您的注射"


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    handler = Recorder()
    # A strict relay: no SMTPUTF8, like many real ones.
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), enable_SMTPUTF8=False)
    controller.start()
    yield handler, controller.port
    controller.stop()


def channel(port: int, client: redis.Redis, prefix: str, **kw: Any) -> SmtpEmail:
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
    return SmtpEmail(settings, CLINIC, client, prefix, FixedClock(BOOKED_AT))


def outgoing(
    to: str = "maria@example.org",
    locale: str = "ar",
    subject: str = ARABIC_SUBJECT,
    paragraphs: list[str] = ARABIC,
) -> Outgoing:
    html = email_html(Email(subject, paragraphs), locale)
    return Outgoing(
        "APT-1001:1:escort:-:email", "email", to, locale, "\n\n".join(paragraphs), subject, html
    )


def test_an_arabic_email_is_multipart_alternative_utf8_with_encoded_headers(
    smtp: tuple[Recorder, int], client: redis.Redis, prefix: str
) -> None:
    handler, port = smtp
    message_id = channel(port, client, prefix).send(outgoing())
    (raw,) = [e.original_content or e.content for e in handler.envelopes]
    head = raw.split(b"\r\n\r\n", 1)[0]
    assert head.decode("ascii")  # RFC 2047 encoded-words: the header block is pure ASCII
    (msg,) = handler.received
    assert msg["Subject"] == ARABIC_SUBJECT
    assert msg["From"].addresses[0].display_name == "Clínica São José"
    assert msg["From"].addresses[0].addr_spec == "reminders@example.org"
    assert msg["Reply-To"].addresses[0].addr_spec == "praxis@example.org"
    assert msg["Date"].datetime == BOOKED_AT
    assert msg["Message-ID"] == message_id and message_id.endswith("@example.org>")
    assert msg["Content-Language"] == "ar"
    assert msg.get_content_type() == "multipart/alternative"
    text, html = msg.iter_parts()
    assert [text.get_content_type(), html.get_content_type()] == ["text/plain", "text/html"]
    assert text.get_content_charset() == html.get_content_charset() == "utf-8"
    assert ARABIC[1] in text.get_content()
    body = html.get_content()
    assert 'dir="rtl"' in body and 'lang="ar"' in body and ARABIC[0] in body
    assert "src=" not in body and "<link" not in body  # self-contained: nothing to fetch


def test_a_chinese_subject_survives_the_trip(
    smtp: tuple[Recorder, int], client: redis.Redis, prefix: str
) -> None:
    handler, port = smtp
    channel(port, client, prefix).send(
        outgoing(
            locale="zh_Hans",
            subject=CHINESE_SUBJECT,
            paragraphs=["玛丽亚，您好：", "请安排人接您回家。"],
        )
    )
    (msg,) = handler.received
    assert msg["Subject"] == CHINESE_SUBJECT and msg["Content-Language"] == "zh-Hans"
    assert "请安排人接您回家。" in msg.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    assert 'dir="ltr"' in msg.get_body(("html",)).get_content()  # type: ignore[union-attr]


def test_a_resend_carries_the_same_message_id(
    smtp: tuple[Recorder, int], client: redis.Redis, prefix: str
) -> None:
    _, port = smtp
    email = channel(port, client, prefix)
    first, second = email.send(outgoing()), email.send(outgoing())
    assert first == second and email.find_sent("APT-1001:1:escort:-:email") == first


@pytest.mark.parametrize(
    ("to", "kind", "code"),
    [("refused@example.org", "permanent", "550"), ("busy@example.org", "temporary", "450")],
)
def test_recipient_refusals_are_permanent_for_5xx_and_temporary_for_4xx(
    smtp: tuple[Recorder, int], client: redis.Redis, prefix: str, to: str, kind: str, code: str
) -> None:
    _, port = smtp
    with pytest.raises(DeliveryError) as caught:
        channel(port, client, prefix).send(outgoing(to=to))
    assert (caught.value.kind, caught.value.code) == (kind, code)


def test_a_mailbox_the_relay_cannot_take_is_permanent(
    smtp: tuple[Recorder, int], client: redis.Redis, prefix: str
) -> None:
    _, port = smtp
    with pytest.raises(DeliveryError) as caught:
        channel(port, client, prefix).send(outgoing(to="joão@example.org"))
    assert caught.value.kind == "permanent"


def test_a_closed_port_is_temporary(client: redis.Redis, prefix: str) -> None:
    with pytest.raises(DeliveryError) as caught:
        channel(free_port(), client, prefix).send(outgoing())
    assert (caught.value.kind, caught.value.code) == ("temporary", "connect")


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_starttls_and_login_before_sending(
    tls_files: tuple[Path, Path], client: redis.Redis, prefix: str
) -> None:
    cert, key = tls_files
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    logins: list[tuple[bytes, bytes]] = []

    def authenticate(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret")

    handler = Recorder()
    controller = Controller(
        handler,
        hostname="127.0.0.1",
        port=free_port(),
        tls_context=server_tls,
        require_starttls=True,
        authenticator=authenticate,
        auth_require_tls=True,
    )
    controller.start()
    try:
        email = channel(
            controller.port,
            client,
            prefix,
            security="starttls",
            username="clinic",
            password="s3cret",
        )
        email.tls_context = lambda: ssl.create_default_context(cafile=str(cert))
        email.send(outgoing())
    finally:
        controller.stop()
    assert logins == [(b"clinic", b"s3cret")] and len(handler.received) == 1
