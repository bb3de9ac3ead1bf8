"""plan(appointment, schedule, now) -> reminders: a pure function, no I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from reminders.model import Appointment, Medication, PlannedReminder, ReminderState
from reminders.schedule.rules import (
    Anchor,
    Condition,
    LatePolicy,
    Moment,
    Outside,
    Per,
    Rule,
    Schedule,
)

DEFAULT_GRACE = timedelta(hours=12)


def plan(appointment: Appointment, schedule: Schedule, now: datetime) -> list[PlannedReminder]:
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    now = now.astimezone(UTC)
    out: list[PlannedReminder] = []
    channels = appointment.patient.reachable_channels()
    for rule in schedule.rules:
        if not rule.enabled:
            continue
        if rule.when is Condition.HAS_MEDICATIONS and not appointment.medications:
            continue
        for medicine in _instances(rule, appointment):
            times = _times(rule, appointment, medicine, now)
            if times is None:
                continue
            nominal, due, deadline, state, reason = times
            for channel in rule.channels:
                if channel not in channels:
                    continue
                out.append(
                    PlannedReminder(
                        appointment_id=appointment.external_id,
                        version=appointment.version,
                        rule=rule.key,
                        message=rule.message,
                        medicine=medicine,
                        channel=channel,
                        nominal_at=nominal,
                        due_at=due,
                        deadline=deadline,
                        state=state,
                        reason=reason,
                    )
                )
    out.sort(key=lambda r: (r.due_at, r.rule, r.medicine or 0, r.channel))
    return out


def _instances(rule: Rule, appointment: Appointment) -> list[int | None]:
    if rule.per is Per.APPOINTMENT:
        return [None]
    return list(range(len(appointment.medications)))


def _anchor(anchor: Anchor, a: Appointment, med: Medication | None) -> datetime | date | None:
    if anchor is Anchor.BOOKING:
        return a.booked_at
    if anchor is Anchor.PROCEDURE_START:
        return a.procedure.start
    if anchor is Anchor.PROCEDURE_END:
        return a.procedure.end
    if med is None:
        return None
    # A reduction is planned like a pause: its first day, and the day the usual dose is back.
    return med.change_from if anchor is Anchor.MEDICATION_PAUSE else med.usual_again


def _at(moment: Moment, a: Appointment, med: Medication | None) -> datetime | None:
    anchor = _anchor(moment.anchor, a, med)
    if anchor is None:
        return None
    return moment.offset.apply(anchor, a.patient.zone).astimezone(UTC)


def _times(
    rule: Rule, a: Appointment, medicine: int | None, now: datetime
) -> tuple[datetime, datetime, datetime, ReminderState, str] | None:
    med = a.medications[medicine] if medicine is not None else None
    nominal = _at(rule.moment, a, med)
    if nominal is None:
        return None  # e.g. a medicine with no resume day entered has no resume reminder
    if rule.not_before is not None:
        floor = _at(rule.not_before, a, med)
        if floor is not None and floor > nominal:
            nominal = floor
    zone = a.patient.zone
    due = rule.window.fit(nominal, zone).astimezone(UTC)
    until = _at(rule.until, a, med) if rule.until else None
    deadline = until if until is not None else due + DEFAULT_GRACE
    if due > deadline:
        return (
            nominal,
            due,
            deadline,
            ReminderState.SKIPPED,
            ("the send window opens only after the deadline"),
        )
    if due >= now:
        return nominal, due, deadline, ReminderState.SCHEDULED, ""
    if rule.late is LatePolicy.SKIP:
        return nominal, due, deadline, ReminderState.SKIPPED, "its moment had passed at booking"
    if rule.late is LatePolicy.FLAG:
        return (
            nominal,
            due,
            deadline,
            ReminderState.FLAGGED,
            ("its moment had passed at booking; staff should contact the patient"),
        )
    # A late send goes at the next moment the window allows; "earlier" would move it into the past.
    soon = replace(rule.window, outside=Outside.LATER).fit(now, zone).astimezone(UTC)
    if soon > deadline:
        return (
            nominal,
            soon,
            deadline,
            ReminderState.SKIPPED,
            ("its moment had passed at booking and it is no longer useful"),
        )
    return nominal, soon, deadline, ReminderState.SCHEDULED, "late: sent as soon as possible"
