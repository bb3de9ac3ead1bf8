"""The durable store in Redis, one part per aggregate: ``store.appointments``,
``store.reminders``, ``store.contacts``, ``store.attention``, ``store.ops``, ``store.purge``,
``store.sendlog`` and ``store.outbox``; ``store.intake``, the HL7 messages acknowledged;
the staff console's ``store.users``, ``store.sessions``
and ``store.console_audit``; ``store.stats``, the overview's figures by the hour;
``store.totals``, the counters /metrics reports. Key names live in ``keys.py``, the record
codec in ``record.py``, the atomic transitions in ``lua/``."""

from __future__ import annotations

import redis

from reminders.store.appointments import Appointments, Snapshot, VersionConflict
from reminders.store.attention import Attention, AttentionItem
from reminders.store.console_audit import ConsoleAudit
from reminders.store.contacts import DAY, Contacts, Fingerprints, SmsBlock
from reminders.store.intake import Intake
from reminders.store.keys import Keys
from reminders.store.ops import Ops
from reminders.store.purge import Purge
from reminders.store.record import Patch, ReminderRecord
from reminders.store.reminders import Begun, Reminders
from reminders.store.schedules import Schedules, ScheduleVersion, ScheduleVersionConflict
from reminders.store.sendlog import Outbox, SendLog
from reminders.store.sessions import Sessions
from reminders.store.sms_gate import SmsGate
from reminders.store.stats import HourFigures, Stats
from reminders.store.totals import Totals
from reminders.store.users import Users

# What the store raises when Redis cannot be reached or answers with an error: callers outside
# the store catch this, never redis-py's classes.
StoreUnavailable = redis.exceptions.RedisError


class Store:
    def __init__(
        self,
        client: redis.Redis,
        prefix: str = "rmd",
        *,
        retention_days: int = 30,
        fingerprint_key: bytes = b"",
    ) -> None:
        """``retention_days``: REMINDERS_RETENTION_DAYS, also how long an inbound message's id
        is remembered against the provider's retries. ``fingerprint_key``:
        REMINDERS_FINGERPRINT_KEY, what forgotten numbers' opt-outs are kept under."""
        self.r = client
        self.prefix = prefix
        self.keys = keys = Keys(prefix)
        self.appointments = Appointments(client, keys)
        self.reminders = Reminders(client, keys)
        prints = Fingerprints(fingerprint_key)
        self.contacts = Contacts(client, keys, seen_ttl=retention_days * DAY, fingerprints=prints)
        self.attention = Attention(client, keys)
        self.ops = Ops(client, keys)
        self.purge = Purge(client, keys, prints)
        self.sendlog = SendLog(client, keys)
        self.outbox = Outbox(client, keys)
        self.schedules = Schedules(client, keys)
        self.users = Users(client, keys)
        self.sessions = Sessions(client, keys)
        self.console_audit = ConsoleAudit(client, keys)
        self.totals = Totals(client, keys)
        self.stats = Stats(client, keys, self.totals)
        self.intake = Intake(client, keys, remember=retention_days * DAY)

    def sms_gate(self, sender: str, per_second: float) -> SmsGate:
        """What admits each SMS of one sender: opt-outs, unusable numbers, its shared rate."""
        return SmsGate(self.r, self.keys, self.contacts.fingerprints, sender, per_second)


__all__ = [
    "AttentionItem",
    "Begun",
    "HourFigures",
    "Patch",
    "ReminderRecord",
    "ScheduleVersion",
    "ScheduleVersionConflict",
    "SmsBlock",
    "Snapshot",
    "Store",
    "StoreUnavailable",
    "VersionConflict",
]
