"""The console's day list and search: appointments by day in the clinic's zone, each with how
many of its reminders went out, are still to go and failed. A scan of the stored appointments
(a clinic has thousands, not millions), like the attention list's escort check."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from reminders.model import ReminderState
from reminders.store import Snapshot, Store

_FAILED = frozenset({ReminderState.FAILED, ReminderState.FLAGGED})
_NOT_PENDING = frozenset(
    {ReminderState.SENT, ReminderState.SKIPPED, ReminderState.CANCELLED, *_FAILED}
)
_DIGITS = re.compile(r"\D")


@dataclass(frozen=True)
class Row:
    external_id: str
    name: str
    start: datetime
    procedure: str
    status: str
    locale: str
    sent: int
    pending: int
    failed: int


def row(snap: Snapshot) -> Row:
    a = snap.appointment
    recs = snap.reminders
    return Row(
        external_id=a.external_id,
        name=a.patient.name,
        start=a.procedure.start,
        procedure=a.procedure.type,
        status=snap.status,
        locale=a.patient.locale,
        sent=sum(r.state is ReminderState.SENT for r in recs),
        pending=sum(r.state not in _NOT_PENDING for r in recs),
        # A failed SMS whose email twin replaced it is no failure of the appointment's.
        failed=sum(r.state in _FAILED and not r.covered_by for r in recs),
    )


def by_day(store: Store, zone: ZoneInfo, first: date, days: int) -> list[tuple[date, list[Row]]]:
    """Every day from ``first`` for ``days`` days (in ``zone``), with its appointments by time."""
    last = first + timedelta(days=days)
    found: dict[date, list[Row]] = {first + timedelta(days=n): [] for n in range(days)}
    for snap in store.appointments.all():
        day = snap.appointment.procedure.start.astimezone(zone).date()
        if first <= day < last:
            found[day].append(row(snap))
    return [(day, sorted(rows, key=lambda r: r.start)) for day, rows in found.items()]


def search(store: Store, query: str, limit: int = 100) -> list[Row]:
    """Appointments whose external id or patient name contains ``query`` (any case), or whose
    number contains its digits (at least four of them, so that a year finds no numbers)."""
    words = query.strip().casefold()
    digits = _DIGITS.sub("", query)
    if not words:
        return []
    out = []
    for snap in store.appointments.all():
        p = snap.appointment.patient
        phone = _DIGITS.sub("", p.phone or "")
        if (
            words in snap.appointment.external_id.casefold()
            or words in p.name.casefold()
            or (len(digits) >= 4 and digits in phone)
        ):
            out.append(row(snap))
    return sorted(out, key=lambda r: r.start)[:limit]
