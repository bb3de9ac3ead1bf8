"""Book, read, edit/reschedule and cancel appointments."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Response

from reminders.api import changes
from reminders.api.auth import Caller, require
from reminders.api.deps import SERVICES
from reminders.api.responses import BODY_LIMITS, WRONG_ROLE, conflict, invalid, not_found
from reminders.api.schemas import (
    AppointmentIn,
    AppointmentPatch,
    BookingOut,
    CancelIn,
    ReminderOut,
    TimelineOut,
)
from reminders.booking import BookingResult
from reminders.model import Appointment
from reminders.store import ReminderRecord, Snapshot
from reminders.wiring import Services

router = APIRouter(prefix="/appointments", tags=["appointments"])
integration = Depends(require("integration"))
staff = Depends(require("staff"))
_NOT_FOUND = not_found("no appointment with this external_id", "no appointment 'RIS-2027-0042'")


@router.post(
    "",
    response_model=BookingOut,
    status_code=201,
    responses={
        200: {"model": BookingOut, "description": "updated an existing booking"},
        **invalid("invalid; nothing was stored"),
        **BODY_LIMITS,
    },
)
def book_appointment(
    body: AppointmentIn, response: Response, caller: Caller = integration, sv: Services = SERVICES
) -> BookingOut:
    """Book, or update by the booking system's ``external_id`` (idempotent)."""
    return _booked(sv, changes.book(sv, body.model_dump(mode="json")), response)


@router.get(
    "/{external_id}",
    response_model=TimelineOut,
    responses={**WRONG_ROLE, **_NOT_FOUND, **invalid()},
)
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
    responses={
        **invalid("invalid; nothing was changed"),
        **BODY_LIMITS,
        **_NOT_FOUND,
        **conflict(
            "the appointment is cancelled",
            "the appointment is cancelled; book it again to reinstate it",
        ),
    },
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
    try:
        result = changes.edit(sv, external_id, body.model_dump(mode="json", exclude_unset=True))
    except changes.NoSuchAppointment:
        raise HTTPException(404, f"no appointment {external_id!r}") from None
    except changes.AppointmentCancelled:
        raise HTTPException(
            409, "the appointment is cancelled; book it again to reinstate it"
        ) from None
    return _booked(sv, result, response)


@router.post(
    "/{external_id}/cancel",
    response_model=BookingOut,
    responses={**invalid(), **BODY_LIMITS, **_NOT_FOUND},
)
def cancel(
    external_id: str, body: CancelIn, caller: Caller = integration, sv: Services = SERVICES
) -> BookingOut:
    """Cancel all pending reminders; the patient gets a cancellation notice in their language
    if they had already heard from the clinic."""
    _snapshot(sv, external_id)
    appt = changes.cancel(sv, external_id, body.reason, notify=body.notify)
    return _out(sv, appt, created=False, changed=True)


def _booked(sv: Services, result: BookingResult, response: Response) -> BookingOut:
    response.status_code = 201 if result.created else 200
    return _out(sv, result.appointment, created=result.created, changed=result.changed)


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
