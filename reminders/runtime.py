"""Process-wide objects built once from settings: the Redis client, store, clock, channels and
schedules. Celery tasks and the CLI get them from here."""

from __future__ import annotations

import functools
import sys
from pathlib import Path

import redis

from reminders import clock as clock_mod
from reminders import settings as settings_mod
from reminders.channels import Channel
from reminders.channels.outbox import OutboxChannel
from reminders.dispatch import DeliveryConfig
from reminders.fallback import safety_from
from reminders.models import CHANNELS
from reminders.schedule import Schedule, ScheduleError, find, load
from reminders.store import Store


@functools.cache
def settings() -> settings_mod.Settings:
    return settings_mod.load()


@functools.cache
def client() -> redis.Redis:
    return redis.Redis.from_url(
        settings().redis_url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=30
    )


@functools.cache
def store() -> Store:
    return Store(client(), settings().key_prefix)


@functools.cache
def clock() -> clock_mod.Clock:
    return clock_mod.from_spec(settings().clock)


@functools.cache
def channels() -> dict[str, Channel]:
    s = settings()
    out: dict[str, Channel] = {}
    for kind in s.channels:
        if kind == "outbox":
            for name in CHANNELS:
                echo = sys.stdout if s.outbox_echo else None
                out.setdefault(name, OutboxChannel(name, client(), s.key_prefix, clock(), echo))
        elif kind == "twilio":
            out["sms"] = twilio_sms()
        elif kind == "smtp":
            out["email"] = smtp_email()
        else:
            raise settings_mod.ImproperlyConfigured(
                f"REMINDERS_CHANNELS: unknown channel {kind!r} (known: outbox, twilio, smtp)"
            )
    return out


def twilio_sms() -> Channel:
    from twilio.rest import Client  # noqa: PLC0415 - the SDK is large; only SMS workers need it

    from reminders.channels.ratelimit import TokenBucket  # noqa: PLC0415
    from reminders.channels.sms import TwilioSms  # noqa: PLC0415
    from reminders.channels.twilio_http import ConfiguredHttpClient  # noqa: PLC0415

    s = settings()
    t = s.twilio
    for name, value in (
        ("TWILIO_ACCOUNT_SID", t.account_sid),
        ("TWILIO_AUTH_TOKEN", t.auth_token),
        ("PUBLIC_BASE_URL", s.public_base_url),
    ):
        if not value:
            raise settings_mod.ImproperlyConfigured(f"{name}: needed by the twilio channel")
    if not (t.messaging_service_sid or t.from_number):
        raise settings_mod.ImproperlyConfigured(
            "TWILIO_MESSAGING_SERVICE_SID or TWILIO_FROM_NUMBER: the twilio channel needs one"
        )
    http = ConfiguredHttpClient(t.api_base_url, t.timeout_connect, t.timeout_read)
    sender = t.messaging_service_sid or t.from_number
    return TwilioSms(
        Client(t.account_sid, t.auth_token, http_client=http),
        client(),
        s.key_prefix,
        clock(),
        TokenBucket(client(), f"{s.key_prefix}:rate:sms:{sender}", t.rate_per_second),
        messaging_service_sid=t.messaging_service_sid,
        from_number=t.from_number,
        public_base_url=s.public_base_url,
    )


def smtp_email() -> Channel:
    from reminders.channels.email import SmtpEmail  # noqa: PLC0415

    s = settings()
    if not (s.smtp.email_from or s.clinic.email):
        raise settings_mod.ImproperlyConfigured("EMAIL_FROM: needed by the smtp channel")
    return SmtpEmail(s.smtp, s.clinic, client(), s.key_prefix, clock())


def delivery_config() -> DeliveryConfig:
    s = settings()
    return DeliveryConfig(
        send_lease=s.send_lease,
        max_attempts=s.max_attempts,
        retry_backoff=s.retry_backoff,
        locales_dir=s.locales_dir,
        clinic_default_locale=s.clinic.default_locale,
        is_safety=safety_from(schedule),
        sms_budget=_sms_budget,
    )


def _sms_budget(procedure: str, rule: str) -> int | None:
    try:
        return schedule(procedure).rule(rule).sms_segments
    except (KeyError, ScheduleError, OSError):
        return None


@functools.cache
def schedule(procedure: str) -> Schedule:
    return load(find(procedure, settings().schedule_dir))


def schedule_path(procedure: str) -> Path:
    return find(procedure, settings().schedule_dir)


def reset() -> None:
    """Forget everything built so far (tests change the environment between cases)."""
    for f in (settings, client, store, clock, channels, schedule):
        f.cache_clear()
