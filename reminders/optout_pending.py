"""A patient who opted out of SMS: their waiting SMS safety reminders are replaced by email
when they have an address (and the email reminder is not already pending or sent), else
flagged for staff to call. Other waiting SMS stay scheduled: the worker skips them while the
patient is opted out, and sends them again after START."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from reminders.models import Appointment
from reminders.store import Store
from reminders.store.records import fallback_spec

WHY = "the patient opted out of SMS"


def settle_pending(
    store: Store,
    booked: list[Appointment],
    now: datetime,
    is_safety: Callable[[str, str], bool],
) -> list[str]:
    """Returns the ids of the reminders it changed."""
    changed = []
    for appt in booked:
        snap = store.snapshot(appt.external_id)
        if snap is None:
            continue
        for rec in snap.reminders:
            if rec.channel != "sms" or str(rec.state) != "scheduled":
                continue
            if not is_safety(appt.procedure.type, rec.rule):
                continue
            spec = fallback_spec(rec, max(now, rec.due_at)) if appt.patient.email else None
            store.settle_opted_out(
                rec.id,
                now,
                why=f"{WHY}; call the patient"
                if spec is None
                else f"{WHY}; call the patient (the email reminder could not replace it)",
                why_covered=f"{WHY}; the email reminder replaces it",
                fallback=spec,
            )
            changed.append(rec.id)
    return changed
