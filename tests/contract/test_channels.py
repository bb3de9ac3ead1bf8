"""One battery of faults run over every channel: success, a timeout, a refused connection and
a permanent rejection, each classified the same way wherever the channel can tell.

Only SMS reports a timeout as ``ambiguous``: its request had reached the provider, which may have
accepted it, so it must be looked up rather than sent again. The SMTP timeout here comes before
anything was sent, and the outbox records idempotently, so both are plainly temporary."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import Any

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from reminders.channels import Channel, DeliveryError, Outgoing
from reminders.channels.outbox import OutboxChannel
from reminders.clock import FixedClock
from reminders.store import Store
from tests.factories import BOOKED_AT
from tests.fakes.smtp import Recorder, Silent, email_channel, free_port, outgoing_email, smtp_server
from tests.fakes.twilio import FakeTwilio, sms_channel

FAULTS = ("success", "timeout", "refused", "permanent")
EXPECTED = {
    "sms": {"timeout": "ambiguous", "refused": "temporary", "permanent": "permanent"},
    "email": {"timeout": "temporary", "refused": "temporary", "permanent": "permanent"},
    "outbox": {"timeout": "temporary", "refused": "temporary", "permanent": "permanent"},
}


Build = Callable[[str, ExitStack], tuple[Channel, Outgoing]]


def sms(client: redis.Redis, prefix: str) -> Build:
    def build(fault: str, stack: ExitStack) -> tuple[Channel, Outgoing]:
        if fault == "refused":
            fake = FakeTwilio(base_url=f"http://127.0.0.1:{free_port()}")
        else:
            fake = FakeTwilio().start()
            stack.callback(fake.stop)
        if fault == "timeout":
            fake.fail_next("timeout")
        elif fault == "permanent":
            fake.fail_next("21211")
        msg = Outgoing("APT-1:1:escort:-:sms", "sms", "+4915112345678", "en", "Hello")
        return sms_channel(fake, client, prefix, FixedClock(BOOKED_AT)), msg

    return build


def email(client: redis.Redis, prefix: str) -> Build:
    def build(fault: str, stack: ExitStack) -> tuple[Channel, Outgoing]:
        if fault == "timeout":
            silent = Silent()
            stack.callback(silent.close)
            return email_channel(silent.port, client, prefix, timeout=0.3), outgoing_email()
        if fault == "refused":
            return email_channel(free_port(), client, prefix), outgoing_email()
        controller = stack.enter_context(smtp_server(Recorder()))
        to = "refused@example.org" if fault == "permanent" else "maria@example.org"
        return email_channel(controller.port, client, prefix), outgoing_email(to=to)

    return build


def outbox(client: redis.Redis, prefix: str) -> Build:
    def build(fault: str, stack: ExitStack) -> tuple[Channel, Outgoing]:
        r = client
        if fault in {"timeout", "refused"}:
            silent = Silent()
            stack.callback(silent.close)
            port = silent.port if fault == "timeout" else free_port()
            r = redis.Redis(
                port=port,
                socket_timeout=0.3,
                socket_connect_timeout=0.3,
                retry=Retry(NoBackoff(), 0),
            )
            stack.callback(r.close)
        to = "+15005550001" if fault == "permanent" else "+4915112345678"
        msg = Outgoing("APT-1:1:escort:-:sms", "sms", to, "en", "Hello")
        return OutboxChannel("sms", Store(r, prefix).outbox, FixedClock(BOOKED_AT), echo=None), msg

    return build


@pytest.fixture
def builders(client: redis.Redis, prefix: str) -> dict[str, Build]:
    return {
        "sms": sms(client, prefix),
        "email": email(client, prefix),
        "outbox": outbox(client, prefix),
    }


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_channel_classifies_the_same_faults(
    builders: dict[str, Build], name: str, fault: str
) -> None:
    with ExitStack() as stack:
        chan, message = builders[name](fault, stack)
        if fault == "success":
            provider_id = chan.send(message)
            assert provider_id and chan.find_sent(message.reminder_id) == provider_id
            return
        with pytest.raises(DeliveryError) as caught:
            chan.send(message)
    exc: Any = caught.value
    assert exc.kind == EXPECTED[name][fault], exc.reason
    assert exc.permanent == (fault == "permanent")
    if fault == "permanent":
        assert exc.unreachable and exc.code
