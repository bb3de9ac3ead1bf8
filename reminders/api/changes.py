"""Book, edit and cancel with the API's checks, as plain functions: the HTTP routes
(``api.appointments``) and the staff console call the same ones, so both accept and refuse
exactly the same changes. Each raises ValidationError naming the field (nothing is stored),
NoSuchAppointment or AppointmentCancelled."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from reminders import booking
from reminders.api import validation
from reminders.booking import BookingResult
from reminders.model import Appointment, AppointmentStatus, ValidationError
from reminders.schedule import Schedule, ScheduleError
from reminders.store import Snapshot
from reminders.wiring import Services


class NoSuchAppointment(LookupError):
    pass


class AppointmentCancelled(Exception):
    """An edit of a cancelled appointment: book it again to reinstate it."""


def snapshot(sv: Services, external_id: str) -> Snapshot:
    snap = sv.store.appointments.snapshot(external_id)
    if snap is None:
        raise NoSuchAppointment(external_id)
    return snap


def book(sv: Services, data: dict[str, Any]) -> BookingResult:
    """``data``: a booking as the request schema (``schemas.AppointmentIn``) dumps it."""
    now = sv.clock.now()
    appt = validation.appointment(data, now, horizon=horizon(sv))
    return booking.book(sv.store, appt, schedule(sv, appt.procedure.type), now)


def edit(sv: Services, external_id: str, changes: dict[str, Any]) -> BookingResult:
    """``changes``: the fields given (``schemas.AppointmentPatch`` dumped with
    ``exclude_unset``); sections merge field by field, medications are replaced whole."""
    snap = snapshot(sv, external_id)
    if snap.appointment.status is AppointmentStatus.CANCELLED:
        raise AppointmentCancelled(external_id)
    data = snap.appointment.to_dict()
    for section in ("patient", "procedure"):
        data[section] = merged(data[section], changes.get(section, {}))
    if "medications" in changes:
        data["medications"] = changes["medications"]
    now = sv.clock.now()
    appt = validation.appointment(data, now, horizon=horizon(sv), before=snap.appointment)
    return booking.book(sv.store, appt, schedule(sv, appt.procedure.type), now)


def cancel(sv: Services, external_id: str, reason: str, *, notify: bool) -> Appointment:
    snapshot(sv, external_id)
    return booking.cancel(sv.store, external_id, sv.clock.now(), reason, notify=notify)


def schedule(sv: Services, procedure: str) -> Schedule:
    try:
        return sv.schedules.get(procedure)
    except ScheduleError:
        raise ValidationError(
            "procedure.type", f"no schedule for procedure {procedure!r}"
        ) from None


def merged(stored: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """``stored`` with the given fields replaced; a nested object (the location) field by field.
    The schema allows only known fields, so nothing new can be added."""
    out = dict(stored)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def horizon(sv: Services) -> timedelta:
    return timedelta(days=sv.settings.api.booking_horizon_days)
