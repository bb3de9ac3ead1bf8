"""The composition root: everything a process needs, built once from settings and handed to
the Celery tasks (through the base task), the HTTP app (through a dependency) and the CLI.

``build()`` validates the settings and loads every schedule file (``Schedules``), and for a
worker builds the channels, so that a process with a broken setting or schedule file stops at
start, naming the variable or the file, line, rule and field."""

from __future__ import annotations

import functools
import logging
from dataclasses import dataclass, field
from pathlib import Path

import redis

from reminders import clock as clock_mod
from reminders import logsafe
from reminders import settings as settings_mod
from reminders.channels import Channel
from reminders.channels import registry as channel_registry
from reminders.delivery import DeliveryConfig
from reminders.delivery.fallback import safety_from
from reminders.i18n import MESSAGE_KEYS
from reminders.intake import mapping as mapping_mod
from reminders.schedule import Registry, Schedule, ScheduleError
from reminders.schedule_versions import Versions
from reminders.store import Store, StoreUnavailable

log = logging.getLogger(__name__)


class Schedules(Registry):
    """The registry (``schedule.registry``): every schedule file the process uses, shipped
    defaults overridden by REMINDERS_SCHEDULE_DIR, loaded and validated once at start and
    looked up by procedure name only; with ``versions`` (``schedule_versions``), ``get``
    answers the newest version staff saved, else the file."""

    versions: Versions | None = None

    @classmethod
    def load(cls, schedule_dir: Path | None) -> Schedules:
        """Raises SchedulesBroken naming every file that cannot be used (file, line, rule and
        field), so that no process starts with a schedule it would refuse bookings for."""
        return cls.build(schedule_dir, MESSAGE_KEYS)

    def use_versions(self, store: Store, clock: clock_mod.Clock) -> Versions:
        self.versions = Versions(store, self, MESSAGE_KEYS, clock.now)
        return self.versions

    def get(self, procedure: str) -> Schedule:
        """What bookings, edits and sends of ``procedure`` use now: its newest stored version,
        else the file. Raises UnknownSchedule (a ScheduleError) for a name without a file."""
        if self.versions is None:
            return super().get(procedure)
        try:
            return self.versions.newest(procedure)
        except StoreUnavailable:
            # A send must not fail on this read: the version this process used last (or the
            # file); a booking needs Redis to be written anyway.
            log.warning("schedule %s: Redis did not answer; using the last version seen", procedure)
            return self.versions.last_known(procedure) or super().get(procedure)

    def sms_budget(self, procedure: str, rule: str) -> int | None:
        try:
            return self.get(procedure).rule(rule).sms_segments
        except (KeyError, ScheduleError):
            return None

    def optional(self, procedure: str, rule: str) -> frozenset[str]:
        try:
            return frozenset(self.get(procedure).rule(rule).optional)
        except (KeyError, ScheduleError):
            return frozenset()  # a notice, or an unknown rule: only what the clinic's text says


@dataclass
class Services:
    settings: settings_mod.Settings
    redis: redis.Redis
    store: Store
    clock: clock_mod.Clock
    schedules: Schedules
    # The clinic's HL7/FHIR mapping (REMINDERS_HL7_MAPPING), the defaults without one.
    mapping: mapping_mod.Mapping = field(default_factory=mapping_mod.Mapping)
    _channels: dict[str, Channel] | None = field(default=None, repr=False)

    @property
    def channels(self) -> dict[str, Channel]:
        """Built on first use in the API and the CLI; a worker builds them at start."""
        if self._channels is None:
            self._channels = channel_registry.build(
                self.settings,
                sendlog=self.store.sendlog,
                outbox=self.store.outbox,
                gate=self.store.sms_gate,
                clock=self.clock,
            )
        return self._channels

    @functools.cached_property
    def delivery(self) -> DeliveryConfig:
        """Built once: every delivery task of the process uses it."""
        s, span = self.settings, self.clock.virtual_seconds  # settings are in real seconds
        return DeliveryConfig(
            is_safety=safety_from(self.schedules.get),
            send_lease=span(s.send_lease),
            send_budget=span(settings_mod.send_budget(s)),
            max_attempts=s.max_attempts,
            retry_backoff=span(s.retry_backoff),
            reconcile_delay=span(s.reconcile_delay),
            lookup_give_up=span(s.lookup_give_up),
            hold_recheck=span(s.hold_recheck),
            speed=span(1.0),
            locales_dir=s.locales_dir,
            clinic_default_locale=s.clinic.default_locale,
            sms_budget=self.schedules.sms_budget,
            optional=self.schedules.optional,
        )

    def close(self) -> None:
        self.redis.close()


def check_redis_login(client: redis.Redis, url: str) -> None:
    """A wrong or missing Redis password stops the process
    at start, naming REDIS_URL and never showing the password. A Redis that does not answer yet
    is no error here: the process goes on and reconnects (a Redis restart must not stop it)."""
    try:
        client.ping()
    except (redis.AuthenticationError, redis.ResponseError) as exc:
        client.close()
        raise settings_mod.ImproperlyConfigured(
            f"REDIS_URL: Redis at {logsafe.mask_url(url)} refused the login "
            f"({type(exc).__name__}: {logsafe.mask_url(str(exc))}); check the password "
            "(redis://:password@host:6379/0, or REDIS_URL_FILE)"
        ) from None
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        pass


def build(settings: settings_mod.Settings | None = None) -> Services:
    s = settings or settings_mod.load()
    client = redis.Redis.from_url(
        s.redis_url, socket_timeout=10, socket_connect_timeout=5, health_check_interval=30
    )
    check_redis_login(client, s.redis_url)
    store = Store(
        client,
        s.key_prefix,
        retention_days=s.retention_days,
        fingerprint_key=s.fingerprint_key.encode(),
    )
    clock = clock_mod.from_spec(s.clock)
    schedules = Schedules.load(s.schedule_dir)
    schedules.use_versions(store, clock)
    try:
        mapping = mapping_mod.load(s.hl7_mapping)
    except mapping_mod.MappingError as exc:
        client.close()
        raise settings_mod.ImproperlyConfigured(f"REMINDERS_HL7_MAPPING: {exc}") from None
    return Services(
        settings=s, redis=client, store=store, clock=clock, schedules=schedules, mapping=mapping
    )
