"""The SMTP email channel against a real in-process SMTP server (aiosmtpd): what goes over the
wire, parsed back with the email package, and how the server's answers are classified."""

from __future__ import annotations

import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from aiosmtpd.smtp import AuthResult, LoginPassword

from reminders.channels import DeliveryError
from tests.factories import BOOKED_AT
from tests.fakes.smtp import (
    ARABIC,
    ARABIC_SUBJECT,
    Recorder,
    email_channel,
    free_port,
    outgoing_email,
    smtp_server,
)

CHINESE_SUBJECT = "明天上午9:00：您的注射"


@pytest.fixture
def smtp() -> Iterator[tuple[Recorder, int]]:
    handler = Recorder()
    # A strict relay: no SMTPUTF8, like many real ones.
    with smtp_server(handler, enable_SMTPUTF8=False) as controller:
        yield handler, controller.port


def test_an_arabic_email_is_multipart_alternative_utf8_with_encoded_headers(
    smtp: tuple[Recorder, int], client: redis.Redis, prefix: str
) -> None:
    handler, port = smtp
    message_id = email_channel(port, client, prefix).send(outgoing_email())
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
    email_channel(port, client, prefix).send(
        outgoing_email(
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
    email = email_channel(port, client, prefix)
    first, second = email.send(outgoing_email()), email.send(outgoing_email())
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
        email_channel(port, client, prefix).send(outgoing_email(to=to))
    assert (caught.value.kind, caught.value.code) == (kind, code)


def test_a_mailbox_the_relay_cannot_take_is_permanent(
    smtp: tuple[Recorder, int], client: redis.Redis, prefix: str
) -> None:
    _, port = smtp
    with pytest.raises(DeliveryError) as caught:
        email_channel(port, client, prefix).send(outgoing_email(to="joão@example.org"))
    assert caught.value.kind == "permanent"


def test_a_closed_port_is_temporary(client: redis.Redis, prefix: str) -> None:
    with pytest.raises(DeliveryError) as caught:
        email_channel(free_port(), client, prefix).send(outgoing_email())
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
    with smtp_server(
        handler,
        tls_context=server_tls,
        require_starttls=True,
        authenticator=authenticate,
        auth_require_tls=True,
    ) as controller:
        email = email_channel(
            controller.port,
            client,
            prefix,
            security="starttls",
            username="clinic",
            password="s3cret",
        )
        email.tls_context = lambda: ssl.create_default_context(cafile=str(cert))
        email.send(outgoing_email())
    assert logins == [(b"clinic", b"s3cret")] and len(handler.received) == 1
