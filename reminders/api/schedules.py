"""The schedules staff have configured, and a preview of one for a sample patient."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query

from reminders.api.auth import Caller, require
from reminders.api.deps import SERVICES
from reminders.i18n.locales import normalize
from reminders.model import CHANNELS, Location, ValidationError, forbidden_character, zone_problem
from reminders.preview import parse_medication, preview, sample_appointment
from reminders.schedule import ScheduleError
from reminders.wiring import Services

router = APIRouter(prefix="/schedules", tags=["schedules"])
integration = Depends(require("integration"))


@router.get("")
def list_schedules(caller: Caller = integration, sv: Services = SERVICES) -> list[dict[str, Any]]:
    """The schedules in use, as loaded at start: shipped defaults overridden by
    REMINDERS_SCHEDULE_DIR, each with its file and the SHA-256 of what was loaded."""
    return [
        {
            "name": entry.schedule.procedure,
            "procedure": entry.schedule.procedure,
            "title": entry.schedule.name,
            "rules": [r.key for r in entry.schedule.rules],
            "file": str(entry.path),
            "origin": entry.origin,
            "overrides": str(entry.overrides) if entry.overrides else None,
            "sha256": entry.sha256,
        }
        for entry in sv.schedules.entries()
    ]


@router.get("/{name}/preview")
def preview_schedule(
    name: str,
    procedure_at: Annotated[datetime, Query(description="local wall time, e.g. 2027-03-28T09:00")],
    tz: Annotated[str, Query(max_length=64)],
    locale: Annotated[str, Query(max_length=35)] = "en",
    duration: Annotated[int, Query(ge=1, le=1440)] = 30,
    medication: Annotated[list[str] | None, Query(max_length=10)] = None,
    channels: Annotated[str, Query(max_length=20)] = "sms,email",
    now: datetime | None = None,
    caller: Caller = integration,
    sv: Services = SERVICES,
) -> list[dict[str, Any]]:
    """The same output as ``reminders preview --json``."""
    s = sv.settings
    try:
        sched = sv.schedules.get(name)  # a registry lookup by procedure name, never a path
    except ScheduleError:
        raise HTTPException(404, "no schedule for this procedure") from None
    _one_line_each({"tz": tz, "locale": locale, "channels": channels}, medication or [])
    chans = tuple(c for c in channels.split(",") if c)
    if not chans or any(c not in CHANNELS for c in chans):
        raise ValidationError("channels", f"must be from {list(CHANNELS)}", where="query")
    if problem := zone_problem(tz):
        raise ValidationError("tz", problem, where="query")
    if normalize(locale) is None:
        raise ValidationError("locale", "is not a language tag we know", where="query")
    if procedure_at.tzinfo is not None:
        raise ValidationError(
            "procedure_at", "give local wall time without an offset; use tz", where="query"
        )
    booked = now or sv.clock.now()
    if booked.tzinfo is None:
        raise ValidationError("now", "needs an offset or Z", where="query")
    booked = _within_horizon(sv, booked, procedure_at, tz)
    try:
        meds = [parse_medication(m) for m in medication or []]
        appt = sample_appointment(
            procedure_at=procedure_at,
            tz=tz,
            locale=locale,
            duration=duration,
            procedure=sched.procedure,
            medications=meds,
            channels=chans,
            location=Location(s.clinic.name, s.clinic.address, s.clinic.phone),
            booked_at=booked,
        )
    except ValidationError as exc:
        field = "tz" if exc.field == "patient.timezone" else exc.field
        raise ValidationError(field, exc.message, where="query") from None
    except (ValueError, OverflowError) as exc:
        raise ValidationError("medication", str(exc), where="query") from None
    items = preview(appt, sched, booked, s.locales_dir, s.clinic.default_locale)
    return [i.as_json() for i in items]


def _one_line_each(values: dict[str, str], medication: list[str]) -> None:
    for where, value in values.items():
        if problem := forbidden_character(value):
            raise ValidationError(where, problem, where="query")
    for i, value in enumerate(medication):
        if problem := forbidden_character(value):
            raise ValidationError(f"medication[{i}]", problem, where="query")


def _within_horizon(sv: Services, booked: datetime, procedure_at: datetime, tz: str) -> datetime:
    """``booked`` in UTC. Far instants would overflow the calendar (year 9999 in a zone east of
    UTC): a preview is for a procedure within the booking horizon of a moment within it of the
    service's clock."""
    horizon = timedelta(days=sv.settings.api.booking_horizon_days)
    try:
        booked = booked.astimezone(UTC)
        in_range = abs(booked - sv.clock.now()) <= horizon
    except OverflowError:
        in_range = False
    if not in_range:
        raise ValidationError(
            "now", f"must be within {horizon.days} days of the service's clock", where="query"
        )
    try:
        start = procedure_at.replace(tzinfo=ZoneInfo(tz)).astimezone(UTC)
        in_range = abs(start - booked) <= horizon
    except OverflowError:
        in_range = False
    if not in_range:
        raise ValidationError(
            "procedure_at", f"must be within {horizon.days} days of now", where="query"
        )
    return booked
