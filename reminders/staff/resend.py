"""Staff re-send a failed safety reminder by another channel (the SMS failed and the patient
has an email address, or the other way round): a new reminder, ``resent_<rule>``, due at once,
added to the appointment's current version with an audit event naming who asked for it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from reminders.ids import ReminderId
from reminders.model import AppointmentStatus, PlannedReminder, ReminderState
from reminders.store import ReminderRecord, Snapshot, Store

PREFIX = "resent_"
_RESENDABLE = frozenset({ReminderState.FAILED, ReminderState.FLAGGED})


class CannotResend(ValueError):
    """Why this reminder cannot be re-sent by that channel."""


def channels_for(
    snap: Snapshot, rec: ReminderRecord, is_safety: Callable[[str, str], bool]
) -> list[str]:
    """The channels ``rec`` could be re-sent by now (none unless it is a failed safety
    reminder of the appointment's current version, still booked)."""
    a = snap.appointment
    if (
        rec.state not in _RESENDABLE
        or rec.version != snap.version
        or a.status is not AppointmentStatus.BOOKED
        or not is_safety(a.procedure.type, rec.rule.removeprefix(PREFIX))
    ):
        return []
    taken = {r.id for r in snap.reminders}
    return [
        c
        for c in a.patient.reachable_channels()
        if c != rec.channel and _new_id(rec, c) not in taken
    ]


def resend(
    store: Store,
    appointment_id: str,
    reminder_id: str,
    channel: str,
    now: datetime,
    by: str,
    is_safety: Callable[[str, str], bool],
) -> PlannedReminder:
    snap = store.appointments.snapshot(appointment_id)
    rec = next((r for r in snap.reminders if r.id == reminder_id), None) if snap else None
    if snap is None or rec is None:
        raise CannotResend("no such reminder")
    if channel not in channels_for(snap, rec, is_safety):
        raise CannotResend(f"this reminder cannot be re-sent by {channel}")
    rid = ReminderId.parse(_new_id(rec, channel))
    planned = PlannedReminder(
        appointment_id=appointment_id,
        version=snap.version,
        rule=rid.rule,
        message=rec.message,
        medicine=rec.medicine,
        channel=channel,
        nominal_at=now,
        due_at=now,
        deadline=max(rec.deadline, now + timedelta(hours=1)),
        state=ReminderState.SCHEDULED,
    )
    # The same version: the plan stays as it is and gains this one reminder (the store adds a
    # reminder only where none of that id exists).
    store.appointments.replace_plan(
        snap.appointment,
        [planned],
        expected_version=snap.version,
        event={
            "at": now.isoformat(),
            "type": "resent",
            "reminder": planned.id,
            "of": rec.id,
            "channel": channel,
            "by": by,
            "version": snap.version,
        },
        why_superseded=f"superseded by version {snap.version}",
    )
    return planned


def _new_id(rec: ReminderRecord, channel: str) -> str:
    old = ReminderId.parse(rec.id)
    rule = old.rule if old.rule.startswith(PREFIX) else PREFIX + old.rule
    return str(ReminderId(old.appointment_id, old.version, rule, old.medicine, channel))
