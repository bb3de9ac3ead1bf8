"""The channel kinds ``REMINDERS_CHANNELS`` may name, and how each is built from settings.

Providers are imported only when configured (the Twilio SDK is large). Their settings are
checked when the settings load (``settings.load``), so a worker with a broken channel stops at
start instead of claiming reminders it cannot send. Channels receive the small interfaces of
``channels.base`` for their state, never a Redis client.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from reminders.channels.base import Channel, OutboxLog, SendGate, SendLog
from reminders.clock import Clock
from reminders.model import CHANNELS
from reminders.settings import ImproperlyConfigured, Settings


def build(
    settings: Settings,
    *,
    sendlog: SendLog,
    outbox: OutboxLog,
    gate: Callable[[str, float], SendGate],
    clock: Clock,
) -> dict[str, Channel]:
    """channel name (sms, email) -> the configured channel; the first kind named wins."""
    out: dict[str, Channel] = {}
    for kind in settings.channels:
        if kind == "outbox":
            from reminders.channels.outbox import OutboxChannel  # noqa: PLC0415

            echo = sys.stdout if settings.outbox_echo else None
            for name in CHANNELS:
                out.setdefault(name, OutboxChannel(name, outbox, clock, echo))
        elif kind == "twilio":
            out["sms"] = _twilio(settings, sendlog, gate, clock)
        elif kind == "smtp":
            from reminders.channels.smtp.transport import SmtpEmail  # noqa: PLC0415

            out["email"] = SmtpEmail(settings.smtp, settings.clinic, sendlog, clock)
        else:  # settings.load rejects these already
            raise ImproperlyConfigured(f"REMINDERS_CHANNELS: unknown channel {kind!r}")
    return out


def _twilio(
    s: Settings, sendlog: SendLog, gate: Callable[[str, float], SendGate], clock: Clock
) -> Channel:
    from twilio.rest import Client  # noqa: PLC0415 - only SMS workers need the SDK

    from reminders.channels.twilio.async_http import ConfiguredAsyncHttpClient  # noqa: PLC0415
    from reminders.channels.twilio.http import ConfiguredHttpClient  # noqa: PLC0415
    from reminders.channels.twilio.transport import TwilioSms  # noqa: PLC0415

    t = s.twilio
    http = ConfiguredHttpClient(
        t.api_base_url, t.timeout_connect, t.timeout_read, pool_size=s.send_threads
    )
    # Batches send through the asynchronous client (one event loop, many sends at once); a
    # single delivery and every lookup through the synchronous one. Both are the SDK's.
    async_http = ConfiguredAsyncHttpClient(
        t.api_base_url, t.timeout_connect, t.timeout_read, pool_size=s.send_threads
    )
    sender = t.messaging_service_sid or t.from_number
    return TwilioSms(
        Client(t.account_sid, t.auth_token, http_client=http),
        sendlog,
        clock,
        gate(sender, t.rate_per_second),
        messaging_service_sid=t.messaging_service_sid,
        from_number=t.from_number,
        public_base_url=s.public_base_url,
        lookup_window=s.lookup_window,
        async_client=Client(t.account_sid, t.auth_token, http_client=async_http),
    )
