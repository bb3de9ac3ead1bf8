"""Checks on a booking that need more than a schema: real phone numbers, the zone database,
languages we can resolve, and dates that make sense against the clock and the procedure."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import phonenumbers

from reminders.i18n.locales import normalize
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


def appointment(data: dict[str, Any], now: datetime) -> Appointment:
    """Raises ValidationError naming the first bad field; stores nothing."""
    _phone(data.get("patient", {}))
    _locale(data.get("patient", {}))
    appt = parse(data)
    if appt.procedure.start <= now:
        raise ValidationError("procedure.start", "must be in the future")
    local_day = appt.procedure.start.astimezone(appt.patient.zone).date()
    for i, m in enumerate(appt.medications):
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
    return appt


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


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(where, f"expected a whole number, got {value!r}")
    return value


def _datetime(value: Any, where: str) -> datetime:
    if not isinstance(value, str):
        raise ValidationError(where, "expected an ISO 8601 date-time")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ValidationError(where, f"{value!r} is not an ISO 8601 date-time") from None
    if parsed.tzinfo is None:
        raise ValidationError(where, "needs a UTC offset, e.g. 2027-03-28T09:00+02:00")
    return parsed.astimezone(UTC)


def _date(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValidationError(where, "expected a date YYYY-MM-DD")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationError(where, f"{value!r} is not a date YYYY-MM-DD") from None


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
    )


def _phone(patient: dict[str, Any]) -> None:
    phone = patient.get("phone")
    if phone is None:
        return
    try:
        parsed = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            "patient.phone", "is not a phone number in E.164 (+4930...)"
        ) from None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(parsed) or e164 != phone:
        raise ValidationError("patient.phone", "is not a valid number in E.164 form (+4930...)")


def _locale(patient: dict[str, Any]) -> None:
    tag = patient.get("locale", "en")
    if not isinstance(tag, str) or normalize(tag) is None:
        raise ValidationError("patient.locale", f"{tag!r} is not a language tag we know")
