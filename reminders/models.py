"""The domain: an appointment for a procedure, its patient, the doctor's medication
instructions, and the reminders planned from them.

All datetimes are aware and UTC inside; the patient's IANA zone is kept beside them and used
only to plan calendar-day offsets and to render text.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

CHANNELS = ("sms", "email")
# The doctor's note is sent verbatim, never cut: this keeps it a note, not a letter.
NOTE_MAX_CHARS = 200
_EXTERNAL_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ValidationError(ValueError):
    """Bad input; ``field`` names where, in dotted form (``patient.phone``)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class AppointmentStatus(StrEnum):
    BOOKED = "booked"
    CANCELLED = "cancelled"


class ReminderState(StrEnum):
    SCHEDULED = "scheduled"
    CLAIMED = "claimed"
    SENDING = "sending"
    SENT = "sent"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"
    FAILED = "failed"
    FLAGGED = "flagged"
    UNKNOWN = "unknown"  # the provider may have accepted it (timeout after sending): reconcile


PENDING_STATES = frozenset({ReminderState.SCHEDULED, ReminderState.CLAIMED, ReminderState.FLAGGED})


@dataclass(frozen=True)
class Patient:
    name: str
    timezone: str
    locale: str = "en"
    phone: str | None = None
    email: str | None = None
    channels: tuple[str, ...] = CHANNELS

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def reachable_channels(self) -> tuple[str, ...]:
        have = {"sms": bool(self.phone), "email": bool(self.email)}
        return tuple(c for c in self.channels if have.get(c, False))


@dataclass(frozen=True)
class Location:
    name: str
    address: str
    phone: str


@dataclass(frozen=True)
class Procedure:
    type: str
    start: datetime
    duration_minutes: int
    location: Location

    @property
    def end(self) -> datetime:
        # In UTC, so "+45 minutes" is elapsed time even when the end crosses a DST change.
        return self.start.astimezone(UTC) + timedelta(minutes=self.duration_minutes)


@dataclass(frozen=True)
class Medication:
    """One medicine as the doctor entered it. ``pause_from`` is the first day the patient does
    not take it (so the last dose is the day before); ``resume_on`` the day they may restart."""

    name: str
    pause_from: date | None = None
    resume_on: date | None = None
    note: str = ""

    @property
    def last_dose(self) -> date | None:
        return self.pause_from - timedelta(days=1) if self.pause_from else None


@dataclass(frozen=True)
class Appointment:
    external_id: str
    patient: Patient
    procedure: Procedure
    medications: tuple[Medication, ...] = ()
    status: AppointmentStatus = AppointmentStatus.BOOKED
    version: int = 1
    booked_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["procedure"]["start"] = self.procedure.start.isoformat()
        data["booked_at"] = self.booked_at.isoformat()
        data["patient"]["channels"] = list(self.patient.channels)
        data["medications"] = [
            {
                "name": m.name,
                "pause_from": m.pause_from.isoformat() if m.pause_from else None,
                "resume_on": m.resume_on.isoformat() if m.resume_on else None,
                "note": m.note,
            }
            for m in self.medications
        ]
        data["status"] = str(self.status)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Appointment:
        """Build and validate; raises ValidationError naming the first bad field."""
        return validate(_parse(data))

    def with_version(self, version: int) -> Appointment:
        return replace(self, version=version)


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


def validate(a: Appointment) -> Appointment:
    if not _EXTERNAL_ID.match(a.external_id):
        raise ValidationError("external_id", "use 1-64 letters, digits, '.', '_' or '-'")
    try:
        ZoneInfo(a.patient.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(
            "patient.timezone", f"{a.patient.timezone!r} is not an IANA time zone"
        ) from None
    if a.patient.phone is not None and not _E164.match(a.patient.phone):
        raise ValidationError("patient.phone", "is not in E.164 form (+4930...)")
    if a.patient.email is not None and not _EMAIL.match(a.patient.email):
        raise ValidationError("patient.email", "is not an email address")
    for i, ch in enumerate(a.patient.channels):
        if ch not in CHANNELS:
            raise ValidationError(f"patient.channels[{i}]", f"unknown channel {ch!r}")
    if not a.patient.reachable_channels():
        raise ValidationError("patient.channels", "no allowed channel has a phone or email")
    if a.procedure.start.tzinfo is None:
        raise ValidationError("procedure.start", "needs a UTC offset, e.g. 2027-03-28T09:00+02:00")
    if not 1 <= a.procedure.duration_minutes <= 24 * 60:
        raise ValidationError("procedure.duration_minutes", "must be between 1 and 1440")
    _validate_medications(a.medications)
    return a


def _validate_medications(medications: tuple[Medication, ...]) -> None:
    for i, m in enumerate(medications):
        if not m.name.strip():
            raise ValidationError(f"medications[{i}].name", "must not be empty")
        if len(m.note) > NOTE_MAX_CHARS:
            raise ValidationError(
                f"medications[{i}].note", f"is longer than {NOTE_MAX_CHARS} characters"
            )
        if m.pause_from and m.resume_on and m.resume_on < m.pause_from:
            raise ValidationError(f"medications[{i}].resume_on", "is before pause_from")


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
