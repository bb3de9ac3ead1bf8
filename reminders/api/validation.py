"""Checks on a booking that need the clock or several fields at once: the procedure ahead and
within the booking horizon, pause and restart days (and a dose reduction's days) around the
procedure day. Each field on its
own is checked by the request schema (``schemas``); ``parse`` builds the domain's Appointment
and ``model.validate`` holds its invariants whoever builds one."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from reminders.model import (
    CHANNELS,
    Appointment,
    AppointmentStatus,
    Location,
    Medication,
    Patient,
    Procedure,
    ValidationError,
    validate,
)

MAX_MEDICATION_LEAD = timedelta(days=30)
MAX_RESUME_AFTER = timedelta(days=60)


def appointment(
    data: dict[str, Any],
    now: datetime,
    *,
    horizon: timedelta,
    before: Appointment | None = None,
) -> Appointment:
    """The appointment ``data`` describes, checked against the clock and across fields; raises
    ValidationError naming the first bad field, and stores nothing.

    A booking (``before`` None) is checked whole. An edit of ``before`` is checked for what it
    changes: the procedure must lie ahead (and within ``horizon``) only when the edit moves it,
    and a medicine's pause and restart days are checked when that medicine changed or the
    procedure day did; so once the procedure has begun a doctor can still correct a note or a
    restart day."""
    appt = parse(data)
    start = appt.procedure.start
    if before is None or start != before.procedure.start:
        if start <= now:
            raise ValidationError("procedure.start", "must be in the future")
        if start > now + horizon:
            raise ValidationError(
                "procedure.start",
                f"must be at most {horizon.days} days ahead (the booking horizon)",
            )
    local_day = _local_day(appt)
    day_moved = before is None or local_day != _local_day(before)
    unchanged = set(before.medications) if before is not None else set()
    for i, m in enumerate(appt.medications):
        if not day_moved and m in unchanged:
            continue
        if m.pause_from and not (local_day - MAX_MEDICATION_LEAD <= m.pause_from <= local_day):
            raise ValidationError(
                f"medications[{i}].pause_from",
                f"must be on or before the procedure day {local_day} and at most 30 days before",
            )
        if m.resume_on and not (local_day <= m.resume_on <= local_day + MAX_RESUME_AFTER):
            raise ValidationError(
                f"medications[{i}].resume_on",
                f"must be on or after the procedure day {local_day} and at most 60 days after",
            )
        if m.reduce_from and not (local_day - MAX_MEDICATION_LEAD <= m.reduce_from <= local_day):
            raise ValidationError(
                f"medications[{i}].reduce_from",
                f"must be on or before the procedure day {local_day} and at most 30 days before",
            )
        # The usual dose comes back the day after reduce_until: never before the procedure day.
        last = local_day - timedelta(days=1)
        if m.reduce_until and not (last <= m.reduce_until <= last + MAX_RESUME_AFTER):
            raise ValidationError(
                f"medications[{i}].reduce_until",
                f"must be on or after {last}, the day before the procedure, and at most 60 days "
                "after it",
            )
    return appt


def _local_day(appt: Appointment) -> date:
    return appt.procedure.start.astimezone(appt.patient.zone).date()


def parse(data: dict[str, Any]) -> Appointment:
    """Input as JSON-like data -> a valid Appointment; raises ValidationError naming the first
    bad field."""
    return validate(_parse(data))


def _parse(data: dict[str, Any]) -> Appointment:
    p = _section(data, "patient")
    pr = _section(data, "procedure")
    loc = _section(pr, "location", "procedure.location")
    meds = data.get("medications") or []
    if not isinstance(meds, list):
        raise ValidationError("medications", "must be a list")
    return Appointment(
        external_id=_text(data, "external_id"),
        patient=Patient(
            name=_text(p, "name", "patient.name"),
            timezone=_text(p, "timezone", "patient.timezone"),
            locale=_text(p, "locale", "patient.locale", default="en"),
            phone=p.get("phone") or None,
            email=p.get("email") or None,
            channels=tuple(p.get("channels") or CHANNELS),
            discreet_sms=_bool(p.get("discreet_sms", False), "patient.discreet_sms"),
        ),
        procedure=Procedure(
            type=_text(pr, "type", "procedure.type"),
            start=_datetime(pr.get("start"), "procedure.start"),
            duration_minutes=_int(pr.get("duration_minutes", 30), "procedure.duration_minutes"),
            location=Location(
                name=_text(loc, "name", "procedure.location.name"),
                address=_text(loc, "address", "procedure.location.address"),
                phone=_text(loc, "phone", "procedure.location.phone"),
            ),
        ),
        medications=tuple(_medication(m, i) for i, m in enumerate(meds)),
        status=AppointmentStatus(data.get("status", "booked")),
        version=_int(data.get("version", 1), "version"),
        booked_at=_datetime(data.get("booked_at") or datetime.now(UTC).isoformat(), "booked_at"),
    )


def _section(data: dict[str, Any], key: str, where: str | None = None) -> dict[str, Any]:
    value = data.get(key)
    if not isinstance(value, dict):
        raise ValidationError(where or key, "missing or not an object")
    return value


def _text(
    data: dict[str, Any], key: str, where: str | None = None, default: str | None = None
) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(where or key, "missing or empty")
    return value.strip()


def _bool(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(where, "expected true or false")
    return value


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(where, "expected a whole number")
    return value


def _datetime(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise ValidationError(where, "expected an ISO 8601 date-time")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(where, "is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        raise ValidationError(where, "needs a UTC offset, e.g. 2027-03-28T09:00+02:00")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise ValidationError(where, "is out of range") from None


def _date(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValidationError(where, "expected a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(where, "is not a date YYYY-MM-DD") from None


def _medication(m: Any, i: int) -> Medication:
    if not isinstance(m, dict):
        raise ValidationError(f"medications[{i}]", "must be an object")
    note = m.get("note") or ""
    if not isinstance(note, str):
        raise ValidationError(f"medications[{i}].note", "must be text")
    return Medication(
        name=_text(m, "name", f"medications[{i}].name"),
        pause_from=_date(m.get("pause_from"), f"medications[{i}].pause_from"),
        resume_on=_date(m.get("resume_on"), f"medications[{i}].resume_on"),
        note=note,
        reduced_dose=(m.get("reduced_dose") or "").strip(),
        reduce_from=_date(m.get("reduce_from"), f"medications[{i}].reduce_from"),
        reduce_until=_date(m.get("reduce_until"), f"medications[{i}].reduce_until"),
    )
