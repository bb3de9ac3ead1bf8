"""Re-plan the pending reminders of future appointments after a schedule changed: first a dry
run saying what would change (nothing written), then the same decision applied through the
path an edit takes (``booking.replan``: one atomic replace per appointment, its version checked,
sent and in-flight reminders kept, a slot the patient was already sent never sent again).

Appointments whose procedure has begun, and cancelled ones, are not touched. Applying twice
changes nothing the second time: an appointment whose plan would stay as it is is not written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reminders import booking
from reminders.model import PENDING, AppointmentStatus, PlannedReminder, ReminderState
from reminders.schedule import Schedule
from reminders.schedule_versions import Versions
from reminders.store import ReminderRecord, ScheduleVersionConflict, Snapshot, Store
from reminders.store.record import ts

ADDED, REMOVED, MOVED, CHANGED = "added", "removed", "moved", "changed"
KINDS = (ADDED, REMOVED, MOVED, CHANGED)
# A claim is a scheduled reminder a worker is about to send: the same plan.
_SAME_STATE = {ReminderState.CLAIMED: ReminderState.SCHEDULED}


@dataclass(frozen=True)
class ReminderChange:
    rule: str
    medicine: int | None
    channel: str
    change: str  # ADDED, REMOVED, MOVED (its due time) or CHANGED (deadline, message, state)
    before: datetime | None  # due time (UTC)
    after: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "medicine": self.medicine,
            "channel": self.channel,
            "change": self.change,
            "before": _iso(self.before),
            "after": _iso(self.after),
        }


@dataclass(frozen=True)
class AppointmentReplan:
    appointment_id: str
    version: int  # the appointment's version before the re-plan
    planned_with: int | None  # the schedule version its plan came from (None: the file)
    procedure_start: datetime
    changes: tuple[ReminderChange, ...]

    def count(self, kind: str) -> int:
        return sum(1 for c in self.changes if c.change == kind)

    def as_json(self) -> dict[str, Any]:
        return {
            "appointment_id": self.appointment_id,
            "version": self.version,
            "planned_with": self.planned_with,
            "procedure_start": _iso(self.procedure_start),
            **{k: self.count(k) for k in KINDS},
            "changes": [c.as_json() for c in self.changes],
        }


@dataclass(frozen=True)
class ReplanReport:
    """``appointments``: those whose pending reminders change (were changed, when
    ``applied``); ``unchanged``: future appointments whose plan stays; ``started``: those
    left alone because the procedure has begun."""

    procedure: str
    version: int
    at: datetime
    applied: bool
    appointments: tuple[AppointmentReplan, ...]
    unchanged: int
    started: int

    def count(self, kind: str) -> int:
        return sum(a.count(kind) for a in self.appointments)

    def as_json(self) -> dict[str, Any]:
        return {
            "procedure": self.procedure,
            "version": self.version,
            "at": _iso(self.at),
            "applied": self.applied,
            "appointments_changed": len(self.appointments),
            "appointments_unchanged": self.unchanged,
            "appointments_started": self.started,
            **{k: self.count(k) for k in KINDS},
            "appointments": [a.as_json() for a in self.appointments],
        }


def dry_run(
    store: Store, versions: Versions, procedure: str, version: int, now: datetime
) -> ReplanReport:
    """What applying ``version`` of ``procedure``'s schedule would change, written nowhere."""
    return _run(store, versions, procedure, version, now, apply=False, by="")


def apply(
    store: Store, versions: Versions, procedure: str, version: int, now: datetime, *, by: str
) -> ReplanReport:
    """Re-plan every future appointment of ``procedure`` whose plan ``version`` changes.
    ``version`` must be the newest (new bookings use it): else ScheduleVersionConflict. The
    staff audit records who did it, when, and the counts."""
    newest = versions.head(procedure)
    if version != newest:
        raise ScheduleVersionConflict(procedure, version, newest)
    report = _run(store, versions, procedure, version, now, apply=True, by=by)
    entry = {
        "at": now.astimezone(UTC).isoformat(),
        "type": "schedule_replanned",
        "by": by,
        "schedule": procedure,
        "version": version,
        "appointments": len(report.appointments),
        **{k: report.count(k) for k in KINDS},
    }
    store.schedules.record_audit(entry)
    return report


def changes_of(
    snap: Snapshot, planned: Iterable[PlannedReminder], now: datetime
) -> list[ReminderChange]:
    """How the pending reminders of the appointment's current plan differ from ``planned``.
    A due time already past counts as now (a late reminder goes as soon as it can either way),
    so the answer does not change while nothing does."""
    current: dict[tuple[str, int | None, str], ReminderRecord] = {}
    for rec in snap.reminders:
        if rec.version == snap.version and (rec.state in PENDING or rec.in_flight):
            current[(rec.rule, rec.medicine, rec.channel)] = rec
    new = {p.slot: p for p in planned if p.state in PENDING}
    out: list[ReminderChange] = []
    for slot, p in new.items():
        was = current.get(slot)
        if was is None:
            out.append(ReminderChange(*slot, ADDED, None, p.due_at))
            continue
        if _due(was.due_at, now) != _due(p.due_at, now):
            out.append(ReminderChange(*slot, MOVED, was.due_at, p.due_at))
        elif (was.message, ts(was.deadline), _SAME_STATE.get(was.state, was.state)) != (
            p.message,
            ts(p.deadline),
            p.state,
        ) and not was.in_flight:
            out.append(ReminderChange(*slot, CHANGED, was.due_at, p.due_at))
    for slot, rec in current.items():
        # One in flight goes on whatever the plan says: it cannot be removed.
        if slot not in new and not rec.in_flight:
            out.append(ReminderChange(*slot, REMOVED, rec.due_at, None))
    out.sort(key=lambda c: (c.rule, c.medicine or 0, c.channel))
    return out


def _run(
    store: Store,
    versions: Versions,
    procedure: str,
    version: int,
    now: datetime,
    *,
    apply: bool,
    by: str,
) -> ReplanReport:
    versions.version(procedure, version)  # UnknownVersion
    schedule = versions.schedule(procedure, version)
    changed: list[AppointmentReplan] = []
    unchanged = started = 0
    for aid in sorted(store.appointments.ids()):
        snap = store.appointments.snapshot(aid)
        if snap is None or not _uses(snap, procedure):
            continue
        if snap.appointment.procedure.start <= now:
            started += 1
            continue
        found = _one(store, aid, schedule, now, apply=apply)
        if found is None:
            continue  # cancelled, or begun, while we looked
        if found.changes:
            changed.append(found)
        else:
            unchanged += 1
    return ReplanReport(procedure, version, now, apply, tuple(changed), unchanged, started)


def _one(
    store: Store, aid: str, schedule: Schedule, now: datetime, *, apply: bool
) -> AppointmentReplan | None:
    """The re-plan of one appointment (written when ``apply`` and something changes), from the
    snapshot it was decided on. None: it was cancelled, moved to another procedure, or begun
    meanwhile."""
    decided: list[AppointmentReplan | None] = []

    def write_if(snap: Snapshot, planned: list[PlannedReminder]) -> bool:
        decided.clear()
        if not _uses(snap, schedule.procedure) or snap.appointment.procedure.start <= now:
            decided.append(None)
            return False
        found = AppointmentReplan(
            snap.appointment.external_id,
            snap.version,
            _planned_with(store, snap.appointment.external_id),
            snap.appointment.procedure.start,
            tuple(changes_of(snap, planned, now)),
        )
        decided.append(found)
        return apply and bool(found.changes)

    if booking.replan(store, aid, schedule, now, write_if=write_if) is None:
        return None
    return decided[0] if decided else None


def _uses(snap: Snapshot, procedure: str) -> bool:
    a = snap.appointment
    return a.procedure.type == procedure and a.status is AppointmentStatus.BOOKED


def _planned_with(store: Store, aid: str) -> int | None:
    for event in reversed(store.appointments.events(aid)):
        if "schedule_version" in event:
            value = event["schedule_version"]
            return int(value) if value is not None else None
    return None


def _due(at: datetime, now: datetime) -> float:
    return max(ts(at), ts(now))


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if at is not None else None
