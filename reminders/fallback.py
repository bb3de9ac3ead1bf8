"""When SMS cannot reach a patient (invalid number, landline, opted out): a safety reminder
(medication, no driving, escort) goes by email if the patient has an address and its email
twin is not already pending or sent; otherwise staff are asked to call. Other reminders simply
end, since they are not worth a call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from reminders.models import Appointment
from reminders.schedule import Schedule, ScheduleError
from reminders.store.records import ReminderRecord, fallback_spec


@dataclass(frozen=True)
class Outcome:
    """How to finish the SMS reminder: ``state`` with ``why``; with ``fallback`` set, the store
    adds the email twin and, if it cannot, flags the reminder with ``flag_why``."""

    state: str
    why: str
    fallback: str | None = None
    flag_why: str = ""


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
        return Outcome("skipped" if opted_out else "failed", reason)
    if appt.patient.email:
        return Outcome(
            "failed",
            f"{reason}; sent by email instead",
            fallback=fallback_spec(rec, max(now, rec.due_at)),
            flag_why=f"{reason}; the email reminder cannot replace it: call the patient",
        )
    return Outcome("flagged", f"{reason}; no email address: call the patient")


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


def never(procedure: str, rule: str) -> bool:
    return False
