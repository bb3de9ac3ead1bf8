"""Durable store in Redis: appointments, reminders and their state machine, the due index and
per-appointment audit events."""

from __future__ import annotations

import json
import math
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis

from reminders.models import Appointment
from reminders.schedule.planner import PlannedReminder, parse_reminder_id
from reminders.store import scripts
from reminders.store.contacts import Contacts
from reminders.store.records import ReminderRecord, dt, encode_planned, field_for, ts
from reminders.store.tracking import Tracking


class VersionConflict(Exception):
    """Another process changed the appointment between our read and our write."""


@dataclass(frozen=True)
class Snapshot:
    appointment: Appointment
    version: int
    status: str
    reminders: list[ReminderRecord]


@dataclass(frozen=True)
class Begun:
    """The outcome of taking a claimed reminder into sending."""

    status: str  # ok | gone | cancelled | skipped
    reason: str = ""
    record: ReminderRecord | None = None
    appointment: Appointment | None = None


class Store(Tracking, Contacts):
    def __init__(self, client: redis.Redis, prefix: str = "rmd") -> None:
        self.r = client
        self.prefix = prefix
        self.due_key = f"{prefix}:due"
        self.attention_key = f"{prefix}:attention"
        Tracking.__init__(self)
        self._replace = client.register_script(scripts.REPLACE)
        self._claim = client.register_script(scripts.CLAIM)
        self._begin = client.register_script(scripts.BEGIN)
        self._finish = client.register_script(scripts.FINISH)

    def appointment_key(self, appointment_id: str) -> str:
        return f"{self.prefix}:a:{appointment_id}"

    def events_key(self, appointment_id: str) -> str:
        return f"{self.prefix}:e:{appointment_id}"

    # --- appointments and plans ----------------------------------------------------------

    def snapshot(self, appointment_id: str) -> Snapshot | None:
        raw = self.r.hgetall(self.appointment_key(appointment_id))
        if not raw:
            return None
        data = {_text(k): v for k, v in raw.items()}
        reminders = [
            ReminderRecord.from_json(f"{appointment_id}:{k[2:]}", v)
            for k, v in data.items()
            if k.startswith("r:")
        ]
        reminders.sort(key=lambda rec: (rec.due_at, rec.rule, rec.medicine or 0, rec.channel))
        return Snapshot(
            appointment=Appointment.from_dict(json.loads(data["doc"])),
            version=int(data["v"]),
            status=_text(data["st"]),
            reminders=reminders,
        )

    def replace_plan(
        self,
        appointment: Appointment,
        planned: list[PlannedReminder],
        *,
        expected_version: int | None,
        event: dict[str, Any],
        why_superseded: str,
    ) -> int:
        """Write the appointment at its version with its new reminders, and cancel the pending
        reminders of every other version, in one atomic step. Reminders already sent, or being
        sent, are kept. Raises VersionConflict if the stored version is not ``expected_version``
        (None: the appointment must not exist yet). Returns how many reminders were added."""
        aid = appointment.external_id
        items = [[field_for(p.id), encode_planned(p)] for p in planned]
        result = self._replace(
            keys=[
                self.appointment_key(aid),
                self.due_key,
                self.events_key(aid),
                self.attention_key,
            ],
            args=[
                aid,
                "" if expected_version is None else str(expected_version),
                str(appointment.version),
                str(appointment.status),
                json.dumps(appointment.to_dict(), separators=(",", ":")),
                json.dumps(items, separators=(",", ":")),
                json.dumps(event, separators=(",", ":")),
                why_superseded,
                self.prefix,
            ],
        )
        if result[0] == b"conflict":
            raise VersionConflict(f"{aid}: stored version is {result[1].decode() or 'none'}")
        return int(result[1])

    def exists(self, appointment_id: str) -> bool:
        return bool(self.r.exists(self.appointment_key(appointment_id)))

    def events(self, appointment_id: str) -> list[dict[str, Any]]:
        return [json.loads(e) for e in self.r.lrange(self.events_key(appointment_id), 0, -1)]

    def reminder(self, rid: str) -> ReminderRecord | None:
        aid = parse_reminder_id(rid)[0]
        raw = self.r.hget(self.appointment_key(aid), field_for(rid))
        return ReminderRecord.from_json(rid, raw) if raw else None

    # --- dispatch --------------------------------------------------------------------------

    def claim_due(self, now: datetime, batch: int, lease_seconds: float) -> list[tuple[str, str]]:
        """Claim up to ``batch`` reminders due at ``now`` (and those whose lease ran out):
        returns (reminder id, claim token) pairs. Two claimers never get the same reminder."""
        out = self._claim(
            keys=[self.due_key],
            # Rounded down, so a reminder is never claimed even a millisecond before it is due.
            args=[
                math.floor(now.timestamp() * 1000) / 1000,
                batch,
                ts(now) + lease_seconds,
                secrets.token_hex(6),
                self.prefix,
            ],
        )
        return [(out[i].decode(), out[i + 1].decode()) for i in range(0, len(out), 2)]

    def begin_send(self, rid: str, token: str, now: datetime, lease_seconds: float) -> Begun:
        aid, version, *_ = parse_reminder_id(rid)
        out = self._begin(
            keys=[self.appointment_key(aid), self.due_key, self.events_key(aid)],
            args=[
                field_for(rid),
                rid,
                token,
                ts(now),
                ts(now) + lease_seconds,
                str(version),
                now.isoformat(),
            ],
        )
        status = out[0].decode()
        if status != "ok":
            return Begun(status, out[1].decode() if len(out) > 1 and out[1] else "")
        return Begun(
            "ok",
            record=ReminderRecord.from_json(rid, out[1]),
            appointment=Appointment.from_dict(json.loads(out[2])),
        )

    def finish(
        self,
        rid: str,
        token: str,
        state: str,
        now: datetime,
        *,
        patch: dict[str, Any],
        event: dict[str, Any],
        retry_at: datetime | None = None,
        fallback: str | None = None,
        flag_why: str = "",
    ) -> bool:
        """Record the outcome of a send. False if this worker no longer owns the reminder.
        With ``fallback`` (records.fallback_spec) the email twin is added unless it is already
        pending or sent; when it cannot be (it failed) the reminder is flagged with
        ``flag_why`` instead of ending in ``state``."""
        aid = parse_reminder_id(rid)[0]
        out = self._finish(
            keys=[
                self.appointment_key(aid),
                self.due_key,
                self.events_key(aid),
                self.attention_key,
            ],
            args=[
                field_for(rid),
                rid,
                token,
                state,
                json.dumps(patch),
                ts(now),
                "" if retry_at is None else str(ts(retry_at)),
                json.dumps(event),
                aid,
                fallback or "",
                flag_why,
            ],
        )
        return bool(out[0] == b"ok")

    # --- health and metrics -----------------------------------------------------------------

    def count(self, *names: str) -> None:
        """Bump the Prometheus counters the /metrics endpoint reports."""
        with self.r.pipeline(transaction=False) as pipe:
            for name in names:
                pipe.hincrby(f"{self.prefix}:metrics", name, 1)
            pipe.execute()

    def record_dispatch_run(self, now: datetime, summary: dict[str, Any]) -> None:
        self.r.hset(
            f"{self.prefix}:dispatch", mapping={"at": ts(now), "summary": json.dumps(summary)}
        )

    def last_dispatch_run(self) -> datetime | None:
        at = self.r.hget(f"{self.prefix}:dispatch", "at")
        return dt(float(at)) if at else None

    def due_count(self, now: datetime) -> int:
        return int(self.r.zcount(self.due_key, "-inf", ts(now)))

    def pending_count(self) -> int:
        return int(self.r.zcard(self.due_key))

    def try_lock(self, name: str, seconds: float) -> str | None:
        token = secrets.token_hex(8)
        ok = self.r.set(f"{self.prefix}:lock:{name}", token, nx=True, px=int(seconds * 1000))
        return token if ok else None

    def unlock(self, name: str, token: str) -> None:
        key = f"{self.prefix}:lock:{name}"
        self.r.eval(
            "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end"
            " return 0",
            1,
            key,
            token,
        )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
