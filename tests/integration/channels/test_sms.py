"""The Twilio SMS channel: the real SDK over real HTTP against tests/fakes/twilio.py."""

from __future__ import annotations

import asyncio
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from urllib.parse import unquote

import pytest
import redis

from reminders import wiring
from reminders.channels import DeliveryError, Outgoing
from reminders.channels.smtp.transport import SmtpEmail
from reminders.channels.twilio.transport import TwilioSms
from reminders.clock import FixedClock
from reminders.settings import ImproperlyConfigured
from reminders.store import Store
from tests.factories import BOOKED_AT
from tests.fakes.twilio import MESSAGING_SERVICE, PUBLIC, FakeTwilio, sms_channel

RID = "APT-1001:1:escort:-:sms"


def message(deadline_hours: float = 2, text: str = "Hello ’Maria’") -> Outgoing:
    return Outgoing(
        RID,
        "sms",
        "+4915112345678",
        "en",
        text,
        deadline=BOOKED_AT + timedelta(hours=deadline_hours),
    )


def send(sms: TwilioSms, msg: Outgoing, how: str) -> str:
    """Through ``send`` (a single delivery) or ``send_async`` (what a batch sends through)."""
    if how == "sync":
        return sms.send(msg)

    async def send_async() -> str:
        try:
            return await sms.send_async(msg)
        finally:
            await sms.async_client.http_client.close()

    return asyncio.run(send_async())


def test_it_sends_through_the_messaging_service_with_callback_validity_and_smart_encoding(
    fake: FakeTwilio, client: redis.Redis, prefix: str
) -> None:
    sms = sms_channel(fake, client, prefix, FixedClock(BOOKED_AT))
    sid = sms.send(message())
    assert sid.startswith("SM") and sid in fake.messages
    (posted,) = fake.creates
    assert posted["To"] == "+4915112345678"
    assert posted["Body"] == "Hello ’Maria’"
    assert posted["MessagingServiceSid"] == MESSAGING_SERVICE and "From" not in posted
    assert posted["SmartEncoded"] == "true"
    assert posted["ValidityPeriod"] == "7200"
    assert posted["StatusCallback"].startswith(f"{PUBLIC}/twilio/status/")
    assert unquote(posted["StatusCallback"].rsplit("/", 1)[1]) == RID


def test_it_can_send_from_a_phone_number(
    fake: FakeTwilio, client: redis.Redis, prefix: str
) -> None:
    sms = sms_channel(fake, client, prefix, FixedClock(BOOKED_AT), from_number="+15005550006")
    sms.send(message())
    assert fake.creates[0]["From"] == "+15005550006"
    assert "MessagingServiceSid" not in fake.creates[0]


def test_the_validity_period_never_outlives_twilios_ten_hour_limit(
    fake: FakeTwilio, client: redis.Redis, prefix: str
) -> None:
    sms = sms_channel(fake, client, prefix, FixedClock(BOOKED_AT))
    sms.send(message(deadline_hours=48))
    assert fake.creates[0]["ValidityPeriod"] == "36000"


@pytest.mark.parametrize("how", ["sync", "async"])
@pytest.mark.parametrize(
    ("fault", "kind", "code", "flags"),
    [
        ("21211", "permanent", "21211", {"unreachable"}),
        ("21614", "permanent", "21614", {"unreachable"}),
        ("21610", "permanent", "21610", {"unreachable", "opted_out"}),
        ("429", "temporary", "20429", set()),
        ("500", "temporary", "20500", set()),
        ("timeout", "ambiguous", "timeout", set()),
    ],
)
def test_each_twilio_failure_is_classified(
    fake: FakeTwilio,
    client: redis.Redis,
    prefix: str,
    fault: str,
    kind: str,
    code: str,
    flags: set[str],
    how: str,
) -> None:
    sms = sms_channel(fake, client, prefix, FixedClock(BOOKED_AT))
    fake.fail_next(fault)
    with pytest.raises(DeliveryError) as caught:
        send(sms, message(), how)
    exc = caught.value
    assert (exc.kind, exc.code) == (kind, code)
    assert {f for f in ("unreachable", "opted_out") if getattr(exc, f)} == flags


@pytest.mark.parametrize("how", ["sync", "async"])
def test_a_refused_connection_is_temporary(client: redis.Redis, prefix: str, how: str) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    closed = FakeTwilio(base_url=f"http://127.0.0.1:{port}")
    sms = sms_channel(closed, client, prefix, FixedClock(BOOKED_AT))
    with pytest.raises(DeliveryError) as caught:
        send(sms, message(), how)
    assert caught.value.kind == "temporary" and caught.value.code == "connect"
    assert not caught.value.ambiguous


@pytest.fixture
def hangs_up() -> Iterator[str]:
    """A server that reads the whole request, then closes the connection without answering."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return  # the test is over
            with conn:
                got = b""
                while b"\r\n\r\n" not in got and (chunk := conn.recv(65536)):
                    got += chunk
                head, _, body = got.partition(b"\r\n\r\n")
                length = int(re.search(rb"(?i)content-length: *(\d+)", head).group(1))  # type: ignore[union-attr]
                while len(body) < length and (chunk := conn.recv(65536)):
                    body += chunk

    threading.Thread(target=serve, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()


@pytest.mark.parametrize("how", ["sync", "async"])
def test_a_connection_lost_after_sending_is_ambiguous(
    hangs_up: str, client: redis.Redis, prefix: str, how: str
) -> None:
    sms = sms_channel(FakeTwilio(base_url=hangs_up), client, prefix, FixedClock(BOOKED_AT))
    with pytest.raises(DeliveryError) as caught:
        send(sms, message(), how)
    # It may have been taken: whoever sends it again looks it up first.
    assert (caught.value.code, caught.value.ambiguous) == ("lost", True)


def test_a_send_lost_to_a_timeout_is_found_by_looking_it_up(
    fake: FakeTwilio, client: redis.Redis, prefix: str
) -> None:
    sms = sms_channel(fake, client, prefix, FixedClock(BOOKED_AT))
    fake.fail_next("timeout")
    with pytest.raises(DeliveryError):
        sms.send(message())
    (sid,) = fake.messages
    assert sms.find_sent(RID) == sid
    assert len(fake.creates) == 1


def test_looking_up_a_message_twilio_never_created_finds_nothing(
    fake: FakeTwilio, client: redis.Redis, prefix: str
) -> None:
    sms = sms_channel(fake, client, prefix, FixedClock(BOOKED_AT))
    assert sms.find_sent(RID) is None  # never tried: Twilio is not even asked
    assert fake.lists == 0
    fake.fail_next("timeout")
    with pytest.raises(DeliveryError):
        sms.send(message())
    fake.messages.clear()
    assert sms.find_sent(RID) is None
    assert fake.lists == 1


def test_a_lookup_never_takes_the_message_of_another_reminder_with_the_same_text(
    fake: FakeTwilio, client: redis.Redis, prefix: str
) -> None:
    # A reschedule notice sent X -> Y -> X: the first and the third say exactly the same.
    sms = sms_channel(fake, client, prefix, FixedClock(BOOKED_AT))
    first, third = "APT-1001:2:notice_reschedule:-:sms", "APT-1001:4:notice_reschedule:-:sms"
    sid = sms.send(replace(message(), reminder_id=first))
    fake.fail_next("timeout")
    with pytest.raises(DeliveryError):
        sms.send(replace(message(), reminder_id=third))
    del fake.messages[next(s for s in fake.messages if s != sid)]  # Twilio had not created it
    assert sms.find_sent(third) is None  # the first notice's message is not the third's
    assert sms.find_sent(first) == sid


def test_two_messages_nobody_owns_make_a_lookup_ambiguous_not_a_guess(
    fake: FakeTwilio, client: redis.Redis, prefix: str
) -> None:
    sms = sms_channel(fake, client, prefix, FixedClock(BOOKED_AT))
    first, third = "APT-1001:2:notice_reschedule:-:sms", "APT-1001:4:notice_reschedule:-:sms"
    for rid in (first, third):  # both answers lost
        fake.fail_next("timeout")
        with pytest.raises(DeliveryError):
            sms.send(replace(message(), reminder_id=rid))
    with pytest.raises(DeliveryError) as caught:
        sms.find_sent(third)
    assert caught.value.code == "ambiguous-lookup" and not caught.value.permanent
    # Twilio's status callback names the reminder (its URL): that settles ownership exactly.
    sids = list(fake.messages)
    Store(client, prefix).sendlog.remember_first("sms:owner", sids[0], first)
    assert sms.find_sent(third) == sids[1]


def test_a_sender_over_its_rate_waits_briefly_then_gives_the_reminder_back(
    fake: FakeTwilio, client: redis.Redis, prefix: str
) -> None:
    waits: list[float] = []
    sms = sms_channel(
        fake, client, prefix, FixedClock(BOOKED_AT), rate=0.1, max_wait=1.0, sleep=waits.append
    )
    sms.send(message())
    with pytest.raises(DeliveryError) as caught:
        sms.send(message())
    assert caught.value.kind == "throttled"
    assert caught.value.retry_after is not None and 9 < caught.value.retry_after <= 10
    assert waits == [] and len(fake.creates) == 1


def test_the_runtime_builds_twilio_and_smtp_channels_from_settings(
    monkeypatch: pytest.MonkeyPatch, fake: FakeTwilio, redis_url: str, prefix: str
) -> None:
    for name, value in {
        "REDIS_URL": redis_url,
        "REMINDERS_KEY_PREFIX": prefix,
        "REMINDERS_CHANNELS": "twilio,smtp",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": fake.auth_token,
        "TWILIO_FROM_NUMBER": "+15005550006",
        "TWILIO_API_BASE_URL": fake.url,
        "PUBLIC_BASE_URL": PUBLIC,
        "REMINDERS_FINGERPRINT_KEY": "k" * 32,
        "SMTP_SECURITY": "ssl",
    }.items():
        monkeypatch.setenv(name, value)
    services = wiring.build()
    try:
        chans = services.channels
        assert isinstance(chans["sms"], TwilioSms) and isinstance(chans["email"], SmtpEmail)
        assert services.settings.smtp.port == 465
        chans["sms"].send(message())
        assert fake.creates[0]["From"] == "+15005550006"
    finally:
        services.close()
    monkeypatch.delenv("TWILIO_AUTH_TOKEN")
    with pytest.raises(ImproperlyConfigured, match="TWILIO_AUTH_TOKEN"):
        wiring.build()  # the settings are checked before anything is built
