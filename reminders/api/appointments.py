"""Book, read, edit/reschedule and cancel appointments."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Response

from reminders import booking
from reminders.api import validation
from reminders.api.auth import Caller, require
from reminders.api.deps import SERVICES
from reminders.api.schemas import (
    AppointmentIn,
    AppointmentPatch,
    BookingOut,
    CancelIn,
    ReminderOut,
    TimelineOut,
)
from reminders.model import Appointment, AppointmentStatus, ValidationError
from reminders.schedule import Schedule, ScheduleError
from reminders.store import ReminderRecord, Snapshot
from reminders.wiring import Services

router = APIRouter(prefix="/appointments", tags=["appointments"])
integration = Depends(require("integration"))
staff = Depends(require("staff"))


@router.post(
    "",
    response_model=BookingOut,
    status_code=201,
    responses={
        200: {"description": "updated an existing booking"},
        422: {"description": "invalid; nothing was stored"},
    },
)
def book_appointment(
    body: AppointmentIn, response: Response, caller: Caller = integration, sv: Services = SERVICES
) -> BookingOut:
    """Book, or update by the booking system's ``external_id`` (idempotent)."""
    now = sv.clock.now()
    appt = validation.appointment(body.model_dump(mode="json"), now, horizon=_horizon(sv))
    return _book(sv, appt, response, now)


@router.get("/{external_id}", response_model=TimelineOut)
def timeline(external_id: str, caller: Caller = staff, sv: Services = SERVICES) -> TimelineOut:
    snap = _snapshot(sv, external_id)
    store = sv.store
    return TimelineOut(
        external_id=external_id,
        version=snap.version,
        status=snap.status,
        appointment=snap.appointment.to_dict(),
        reminders=[_reminder_out(r, snap.appointment) for r in snap.reminders],
        events=store.appointments.events(external_id),
        acknowledgements=[dict(a) for a in store.contacts.acknowledgements(external_id)],
    )


@router.patch(
    "/{external_id}",
    response_model=BookingOut,
    responses={422: {"description": "invalid; nothing was changed"}},
)
def edit(
    external_id: str,
    body: AppointmentPatch,
    response: Response,
    caller: Caller = integration,
    sv: Services = SERVICES,
) -> BookingOut:
    """Change the procedure time, contact details, language, zone or medication instructions,
    with the same checks as a booking, for the fields given. The plan is recomputed atomically;
    a patient already told something now wrong is told what changed. A rejected edit (422)
    changes nothing."""
    snap = _snapshot(sv, external_id)
    if snap.appointment.status is AppointmentStatus.CANCELLED:
        raise HTTPException(409, "the appointment is cancelled; book it again to reinstate it")
    changes = body.model_dump(mode="json", exclude_unset=True)
    data = snap.appointment.to_dict()
    for section in ("patient", "procedure"):
        data[section] = _merged(data[section], changes.get(section, {}))
    if "medications" in changes:
        data["medications"] = changes["medications"]
    now = sv.clock.now()
    appt = validation.appointment(data, now, horizon=_horizon(sv), before=snap.appointment)
    response.status_code = 200
    return _book(sv, appt, response, now)


@router.post("/{external_id}/cancel", response_model=BookingOut)
def cancel(
    external_id: str, body: CancelIn, caller: Caller = integration, sv: Services = SERVICES
) -> BookingOut:
    """Cancel all pending reminders; the patient gets a cancellation notice in their language
    if they had already heard from the clinic."""
    _snapshot(sv, external_id)
    now = sv.clock.now()
    appt = booking.cancel(sv.store, external_id, now, body.reason, notify=body.notify)
    return _out(sv, appt, created=False, changed=True)


def _book(sv: Services, appt: Appointment, response: Response, now: Any) -> BookingOut:
    result = booking.book(sv.store, appt, _schedule(sv, appt.procedure.type), now)
    response.status_code = 201 if result.created else 200
    return _out(sv, result.appointment, created=result.created, changed=result.changed)


def _schedule(sv: Services, procedure: str) -> Schedule:
    try:
        return sv.schedules.get(procedure)
    except ScheduleError:
        raise ValidationError(
            "procedure.type", f"no schedule for procedure {procedure!r}"
        ) from None


def _out(sv: Services, appt: Appointment, *, created: bool, changed: bool) -> BookingOut:
    snap = _snapshot(sv, appt.external_id)
    current = [r for r in snap.reminders if r.version == snap.version]
    return BookingOut(
        external_id=appt.external_id,
        version=snap.version,
        status=snap.status,
        created=created,
        changed=changed,
        reminders=[_reminder_out(r, snap.appointment) for r in current],
    )


def _snapshot(sv: Services, external_id: str) -> Snapshot:
    snap = sv.store.appointments.snapshot(external_id)
    if snap is None:
        raise HTTPException(404, f"no appointment {external_id!r}")
    return snap


def _merged(stored: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``stored`` with the given fields replaced; a nested object (the location) field by field.
    The schema allows only known fields, so nothing new can be added."""
    out = dict(stored)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merged(out[key], value)
        else:
            out[key] = value
    return out


def _horizon(sv: Services) -> timedelta:
    return timedelta(days=sv.settings.api.booking_horizon_days)


def _reminder_out(r: ReminderRecord, appt: Appointment) -> ReminderOut:
    return ReminderOut(
        id=r.id,
        rule=r.rule,
        message=r.message,
        medicine=r.medicine,
        channel=r.channel,
        state=str(r.state),
        version=r.version,
        due_at=r.due_at,
        due_local=r.due_at.astimezone(appt.patient.zone).isoformat(),
        deadline=r.deadline,
        reason=r.reason,
        attempts=r.attempts,
        locale=r.locale,
        fallback=r.fallback,
        provider_id=r.provider_id,
        error=r.error,
    )
