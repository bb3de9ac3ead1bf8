"""Appointments and their plans: one hash per appointment holding the appointment (``doc``,
version ``v``, status ``st``) and all its reminders; its audit trail beside it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import redis

from reminders.ids import field_for
from reminders.model import Appointment, PlannedReminder
from reminders.store.keys import Keys
from reminders.store.lua import source
from reminders.store.record import ReminderRecord, encode_planned, text


class VersionConflict(Exception):
    """Another process changed the appointment between our read and our write."""


@dataclass(frozen=True)
class Snapshot:
    appointment: Appointment
    version: int
    status: str
    reminders: list[ReminderRecord]


class Appointments:
    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.r = client
        self.keys = keys
        self._replace = client.register_script(source("replace"))

    def snapshot(self, appointment_id: str) -> Snapshot | None:
        raw = self.r.hgetall(self.keys.appointment(appointment_id))
        if not raw:
            return None
        data = {text(k): v for k, v in raw.items()}
        reminders = [
            ReminderRecord.from_json(f"{appointment_id}:{k[2:]}", v)
            for k, v in data.items()
            if k.startswith("r:")
        ]
        reminders.sort(key=lambda rec: (rec.due_at, rec.rule, rec.medicine or 0, rec.channel))
        return Snapshot(
            appointment=Appointment.from_dict(json.loads(data["doc"])),
            version=int(data["v"]),
            status=text(data["st"]),
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
                self.keys.appointment(aid),
                self.keys.due,
                self.keys.events(aid),
                self.keys.attention,
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
                self.keys.prefix,
            ],
        )
        if result[0] == b"conflict":
            raise VersionConflict(f"{aid}: stored version is {result[1].decode() or 'none'}")
        return int(result[1])

    def exists(self, appointment_id: str) -> bool:
        return bool(self.r.exists(self.keys.appointment(appointment_id)))

    def events(self, appointment_id: str) -> list[dict[str, Any]]:
        return [json.loads(e) for e in self.r.lrange(self.keys.events(appointment_id), 0, -1)]

    def ids(self) -> Iterator[str]:
        """Every stored appointment id (a scan: for retention and the escort check, over a
        clinic's thousands of appointments, never per request)."""
        cut = len(self.keys.appointment(""))
        for key in self.r.scan_iter(self.keys.appointment_pattern(), count=500):
            yield text(key)[cut:]

    def all(self) -> Iterator[Snapshot]:
        for aid in self.ids():
            snap = self.snapshot(aid)
            if snap is not None:
                yield snap
