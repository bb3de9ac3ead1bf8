"""Process-wide objects built once from settings: the Redis client, store, clock, channels and
schedules. Celery tasks and the CLI get them from here."""

from __future__ import annotations

import functools
from pathlib import Path

import redis

from reminders import clock as clock_mod
from reminders import settings as settings_mod
from reminders.channels import Channel
from reminders.channels.outbox import OutboxChannel
from reminders.dispatch import DeliveryConfig
from reminders.models import CHANNELS
from reminders.schedule import Schedule, find, load
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
                out.setdefault(name, OutboxChannel(name, client(), s.key_prefix, clock()))
        else:
            raise settings_mod.ImproperlyConfigured(
                f"REMINDERS_CHANNELS: unknown channel {kind!r} (known: outbox)"
            )
    return out


def delivery_config() -> DeliveryConfig:
    s = settings()
    return DeliveryConfig(
        send_lease=s.send_lease,
        max_attempts=s.max_attempts,
        retry_backoff=s.retry_backoff,
        locales_dir=s.locales_dir,
        clinic_default_locale=s.clinic.default_locale,
    )


@functools.cache
def schedule(procedure: str) -> Schedule:
    return load(find(procedure, settings().schedule_dir))


def schedule_path(procedure: str) -> Path:
    return find(procedure, settings().schedule_dir)


def reset() -> None:
    """Forget everything built so far (tests change the environment between cases)."""
    for f in (settings, client, store, clock, channels, schedule):
        f.cache_clear()
