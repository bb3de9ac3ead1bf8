"""The schedules staff have configured, and a preview of one for a sample patient."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from reminders import replan
from reminders.api.auth import Caller, require
from reminders.api.deps import SERVICES
from reminders.api.problems import Invalid, problem
from reminders.api.responses import BODY_LIMITS, WRONG_ROLE, conflict, invalid, not_found
from reminders.api.schemas import OneLine
from reminders.i18n.locales import normalize
from reminders.model import CHANNELS, Location, ValidationError, forbidden_character, zone_problem
from reminders.preview import parse_medication, preview, sample_appointment, sample_timeline
from reminders.schedule import ScheduleError
from reminders.schedule.edit import EditRejected, FieldError, Rejected
from reminders.schedule_versions import UnknownVersion, Versions
from reminders.store import ScheduleVersionConflict
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


@router.get(
    "/{name}/preview",
    responses={
        **invalid("invalid query parameters"),
        **not_found("no schedule for this procedure", "no schedule for this procedure"),
    },
)
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


# --- versions edited by staff (schedule_versions, replan) --------------------------------------
# Changing what every patient of a procedure is sent needs the most restrictive role there is
# for API tokens (staff); the console checks its own admin role before calling the same code.

staff = Depends(require("staff"))
_NO_SCHEDULE = not_found("no schedule for this procedure, or no such version", "no version 9")
_STALE = conflict(
    "another version was saved after the one this change is based on (nothing was saved)",
    "epidural_steroid_injection: this change was based on version 1, but version 2 has been "
    "saved since; look at it and make the change again",
)
Version = Annotated[StrictInt, Field(ge=1, le=1_000_000, description="a version number, from 1")]
FormValue = Annotated[StrictStr, Field(max_length=200)]


class EditIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    based_on: Version = Field(description="the version the form was filled from (the newest)")
    rule: Annotated[StrictStr, Field(max_length=40)] | None = Field(
        description="the rule's key; null for the schedule's own name and window.*",
        examples=["escort"],
    )
    fields: dict[Annotated[StrictStr, Field(max_length=40)], FormValue] = Field(
        max_length=40,
        description="the form's fields by the loader's names (offset.at, offset.days, "
        'window.start, channels, late.policy, enabled, ...); "" removes one',
        examples=[{"offset.at": "17:00"}],
    )
    note: Annotated[OneLine, Field(max_length=500)] = ""


class EditPreviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    based_on: Version
    rule: Annotated[StrictStr, Field(max_length=40)] | None
    fields: dict[Annotated[StrictStr, Field(max_length=40)], FormValue] = Field(max_length=40)
    locale: Annotated[StrictStr, Field(max_length=35)] = "en"


class RollbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    to: Version = Field(description="the version whose text the new version gets")
    based_on: Version = Field(description="the newest version, as the caller saw it")
    note: Annotated[OneLine, Field(max_length=500)] = ""


class ReplanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    version: Version = Field(description="the schedule version to plan with (apply: the newest)")


def _by(caller: Caller) -> str:
    return f"{caller.role} token …{caller.token_hint}"


def _versions(sv: Services) -> Versions:
    assert sv.schedules.versions is not None  # wiring.build attaches them
    return sv.schedules.versions


def _known(sv: Services, name: str) -> None:
    try:
        sv.schedules.entry(name)  # a registry lookup by procedure name, never a path
    except ScheduleError:
        raise HTTPException(404, "no schedule for this procedure") from None


def _rejected(errors: tuple[FieldError, ...]) -> JSONResponse:
    """422 with one problem per form field, in the shape of every other 422."""
    out = []
    for e in errors:
        loc: list[str | int] = ["body", "rule"] if e.field == "rule" else ["body", "fields"]
        if e.field and e.field != "rule" and not e.field.startswith("rules."):
            loc.append(e.field)
        out.append(problem(loc, e.message, "schedule"))
    return JSONResponse(Invalid(detail=out).model_dump(mode="json"), status_code=422)


@router.get("/{name}/versions", responses={**WRONG_ROLE, **_NO_SCHEDULE, **invalid()})
def versions(
    name: str,
    limit: Annotated[int, Query(ge=1, le=1000, description="the newest, at most this many")] = 100,
    caller: Caller = staff,
    sv: Services = SERVICES,
) -> dict[str, Any]:
    """The schedule's stored versions, oldest first (version 1 is the file's text, stored the
    first time anyone asks): who saved it, when, its note, SHA-256 and kind (seed, file, edit,
    rollback). ``newest`` is what new bookings use."""
    _known(sv, name)
    history = _versions(sv).history(name)
    return {
        "procedure": name,
        "newest": history[-1].version,
        "versions": [v.as_json() for v in history[-limit:]],
    }


@router.get("/{name}/versions/{version}", responses={**WRONG_ROLE, **_NO_SCHEDULE, **invalid()})
def version(
    name: str, version: int, caller: Caller = staff, sv: Services = SERVICES
) -> dict[str, Any]:
    """One version, with its whole TOML text (``toml``)."""
    _known(sv, name)
    try:
        return _versions(sv).version(name, version).as_json(with_toml=True)
    except UnknownVersion as exc:
        raise HTTPException(404, str(exc)) from None


@router.get(
    "/{name}/versions/{version}/diff", responses={**WRONG_ROLE, **_NO_SCHEDULE, **invalid()}
)
def diff(
    name: str,
    version: int,
    against: Annotated[
        int | None, Query(description="the older version (default: the one before)")
    ] = None,
    caller: Caller = staff,
    sv: Services = SERVICES,
) -> dict[str, Any]:
    """What changed from version ``against`` to ``version``: the TOML's unified diff and one
    line per rule and field in words (``escort: time 10:00 → 17:00``)."""
    _known(sv, name)
    try:
        return _versions(sv).diff(name, against or version - 1, version).as_json()
    except UnknownVersion as exc:
        raise HTTPException(404, str(exc)) from None


@router.post(
    "/{name}/versions",
    status_code=201,
    responses={
        **WRONG_ROLE,
        **BODY_LIMITS,
        **_NO_SCHEDULE,
        **_STALE,
        **invalid("the loader refused the edit: one problem per form field; nothing was saved"),
    },
)
def save_edit(name: str, body: EditIn, caller: Caller = staff, sv: Services = SERVICES) -> Any:
    """Save an edit of one rule (or of the schedule's own fields) as a new version, checked by
    the same loader as the files: new bookings use it at once; pending reminders of booked
    appointments change only through the re-plan. Recorded in the staff audit."""
    _known(sv, name)
    try:
        saved = _versions(sv).edit(
            name,
            body.rule,
            body.fields,
            based_on=body.based_on,
            by=_by(caller),
            at=sv.clock.now(),
            note=body.note,
        )
    except EditRejected as exc:
        return _rejected(exc.errors)
    except UnknownVersion as exc:
        raise HTTPException(404, str(exc)) from None
    except ScheduleVersionConflict as exc:
        raise HTTPException(409, str(exc)) from None
    return {
        **saved.as_json(),
        "diff": _versions(sv).diff(name, saved.based_on, saved.version).as_json(),
    }


@router.post(
    "/{name}/versions/preview",
    responses={**WRONG_ROLE, **BODY_LIMITS, **_NO_SCHEDULE, **invalid()},
)
def preview_edit(
    name: str, body: EditPreviewIn, caller: Caller = staff, sv: Services = SERVICES
) -> Any:
    """A sample patient's whole timeline (a procedure in 7 days at 13:00 in the clinic's zone,
    an anticoagulant paused and restarted) under the edit, in ``locale``, without saving it."""
    _known(sv, name)
    try:
        checked = _versions(sv).check_edit(name, body.rule, body.fields, based_on=body.based_on)
    except UnknownVersion as exc:
        raise HTTPException(404, str(exc)) from None
    if isinstance(checked, Rejected):
        return _rejected(checked.errors)
    return sample_timeline(checked.schedule, body.locale, sv.clock.now(), sv.settings).as_json()


@router.post(
    "/{name}/rollback",
    status_code=201,
    responses={**WRONG_ROLE, **BODY_LIMITS, **_NO_SCHEDULE, **_STALE, **invalid()},
)
def rollback(name: str, body: RollbackIn, caller: Caller = staff, sv: Services = SERVICES) -> Any:
    """A new version with an older version's text (history is never rewritten)."""
    _known(sv, name)
    try:
        saved = _versions(sv).rollback(
            name,
            body.to,
            based_on=body.based_on,
            by=_by(caller),
            at=sv.clock.now(),
            note=body.note,
        )
    except EditRejected as exc:
        return _rejected(exc.errors)
    except UnknownVersion as exc:
        raise HTTPException(404, str(exc)) from None
    except ScheduleVersionConflict as exc:
        raise HTTPException(409, str(exc)) from None
    return {
        **saved.as_json(),
        "diff": _versions(sv).diff(name, saved.based_on, saved.version).as_json(),
    }


@router.post(
    "/{name}/replan/dry-run",
    responses={**WRONG_ROLE, **BODY_LIMITS, **_NO_SCHEDULE, **invalid()},
)
def replan_dry_run(
    name: str, body: ReplanIn, caller: Caller = staff, sv: Services = SERVICES
) -> dict[str, Any]:
    """How many pending reminders of future appointments re-planning with ``version`` would
    add, remove, move or change, per appointment; nothing is written."""
    _known(sv, name)
    try:
        return replan.dry_run(sv.store, _versions(sv), name, body.version, sv.clock.now()).as_json()
    except UnknownVersion as exc:
        raise HTTPException(404, str(exc)) from None


@router.post(
    "/{name}/replan",
    responses={**WRONG_ROLE, **BODY_LIMITS, **_NO_SCHEDULE, **_STALE, **invalid()},
)
def replan_apply(
    name: str, body: ReplanIn, caller: Caller = staff, sv: Services = SERVICES
) -> dict[str, Any]:
    """Re-plan the pending reminders of every future appointment of the procedure with
    ``version`` (the newest), as the dry run said: sent reminders are never sent again,
    appointments whose procedure has begun are left alone. Running it again changes nothing.
    Recorded in the staff audit."""
    _known(sv, name)
    try:
        report = replan.apply(
            sv.store, _versions(sv), name, body.version, sv.clock.now(), by=_by(caller)
        )
    except UnknownVersion as exc:
        raise HTTPException(404, str(exc)) from None
    except ScheduleVersionConflict as exc:
        raise HTTPException(409, str(exc)) from None
    return report.as_json()
