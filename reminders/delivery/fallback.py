"""When SMS cannot reach a patient (invalid number, landline, opted out), one policy for the
worker, the status callbacks and the STOP keyword: a safety reminder (medication, no driving,
escort) goes by email if the patient has an address and its email twin is not already pending
or sent; otherwise staff are asked to call. Other reminders simply end, since they are not worth
a call. A patient who opted out keeps their other waiting SMS: the worker skips them while the
patient is opted out, and sends them again after START."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from reminders.delivery.outcomes import Outcome
from reminders.model import Appointment, ReminderState
from reminders.schedule import Schedule, ScheduleError
from reminders.store import Patch, ReminderRecord, Store
from reminders.store.record import fallback_spec

OPTED_OUT = "the patient opted out of SMS"


def when_sms_unusable(
    appt: Appointment,
    rec: ReminderRecord,
    reason: str,
    now: datetime,
    is_safety: Callable[[str, str], bool],
    *,
    opted_out: bool,
) -> Outcome:
    if not is_safety(appt.procedure.type, rec.rule):
        state = "skipped" if opted_out else "failed"
        return Outcome(state, state, Patch(reason=reason))
    if appt.patient.email:
        return Outcome(
            "failed",
            "failed",
            Patch(reason=f"{reason}; sent by email instead"),
            fallback=fallback_spec(rec, max(now, rec.due_at)),
            flag_why=f"{reason}; the email reminder cannot replace it: call the patient",
        )
    return Outcome(
        "flagged", "flagged", Patch(reason=f"{reason}; no email address: call the patient")
    )


def settle_opted_out(
    store: Store,
    booked: list[Appointment],
    now: datetime,
    is_safety: Callable[[str, str], bool],
) -> list[str]:
    """A patient replied STOP: their waiting SMS safety reminders are replaced by email when
    they have an address, else flagged for staff to call. Returns the ids it changed."""
    changed = []
    for appt in booked:
        snap = store.appointments.snapshot(appt.external_id)
        if snap is None:
            continue
        for rec in snap.reminders:
            if rec.channel != "sms" or rec.state is not ReminderState.SCHEDULED:
                continue
            if not is_safety(appt.procedure.type, rec.rule):
                continue
            spec = fallback_spec(rec, max(now, rec.due_at)) if appt.patient.email else None
            store.reminders.settle_opted_out(
                rec.id,
                now,
                why=f"{OPTED_OUT}; call the patient"
                if spec is None
                else f"{OPTED_OUT}; call the patient (the email reminder could not replace it)",
                why_covered=f"{OPTED_OUT}; the email reminder replaces it",
                fallback=spec,
            )
            changed.append(rec.id)
    return changed


def safety_from(schedule_for: Callable[[str], Schedule]) -> Callable[[str, str], bool]:
    """``is_safety(procedure, rule)`` from the staff schedule (``Rule.safety``), read at send
    time so the flag follows the schedule file rather than what was stored at booking. A rule
    or schedule that cannot be found counts as safety: better a needless call than a missed one.
    """

    def is_safety(procedure: str, rule: str) -> bool:
        try:
            return schedule_for(procedure).rule(rule).safety
        except (KeyError, ScheduleError, OSError):
            return True

    return is_safety
