"""A booking system's message, once read, applied through the API's own functions
(``api.changes``) after the API's own request schemas: an SIU message or a FHIR Appointment is
accepted or refused exactly as the same change sent to ``POST /appointments``, ``PATCH`` or
``/cancel`` would be, with the same corrections and notices.

A booking of an appointment we already hold is an edit of the fields a booking system knows
(patient, procedure): medication instructions, which come only through the API and the console,
stay as the doctor entered them, and so do the patient's channel and discreet-SMS choices."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import pydantic

from reminders.api import changes
from reminders.api.schemas import AppointmentIn, AppointmentPatch
from reminders.model import AppointmentStatus, ValidationError
from reminders.wiring import Services


class Refused(ValueError):
    """The message is understood but cannot be accepted; ``field`` names the API field
    (``patient.phone``), which each format turns into its own position. Nothing was stored."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Book:
    """Book, or update: ``data`` is a booking as ``schemas.AppointmentIn`` takes it."""

    data: dict[str, Any]

    @property
    def external_id(self) -> str:
        return str(self.data["external_id"])


@dataclass(frozen=True)
class Cancel:
    external_id: str
    reason: str
    notify: bool


Change = Book | Cancel


@dataclass
class Read:
    """What a message asks for, and where in it each value came from: the API's field names
    (``patient.phone``) -> a position in the message's own terms (``PID^1^13``, a FHIRPath)."""

    change: Change
    sources: dict[str, str] = field(default_factory=dict)

    def where(self, api_field: str) -> str:
        best = max((k for k in self.sources if api_field.startswith(k)), key=len, default=None)
        return self.sources[best] if best else ""


@dataclass(frozen=True)
class Applied:
    what: Literal["booked", "updated", "unchanged", "cancelled", "unknown"]
    external_id: str
    notes: list[str] = field(default_factory=list)


def apply(sv: Services, change: Change) -> Applied:
    """Raises Refused (nothing stored), or StoreUnavailable (Redis did not answer)."""
    try:
        if isinstance(change, Cancel):
            return _cancel(sv, change)
        return _book(sv, change)
    except ValidationError as exc:
        raise Refused(exc.field, exc.message) from None
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        raise Refused(_dotted(first["loc"]), str(first["msg"])) from None


def _book(sv: Services, change: Book) -> Applied:
    snap = sv.store.appointments.snapshot(change.external_id)
    if snap is None or snap.appointment.status is AppointmentStatus.CANCELLED:
        data = dict(change.data)
        if snap is not None:
            # Booked again after a cancel: the doctor's instructions and the patient's
            # choices come back with it.
            stored = snap.appointment.to_dict()
            data["medications"] = stored["medications"]
            kept = {k: stored["patient"][k] for k in ("channels", "discreet_sms", "locale")}
            data["patient"] = {**kept, **data["patient"]}
        else:
            # A booking system that names no language: the clinic's, as the patient's.
            data["patient"] = {"locale": sv.settings.clinic.default_locale, **data["patient"]}
        body = AppointmentIn.model_validate(data).model_dump(mode="json")
        changes.book(sv, body)
        return Applied("booked", change.external_id)
    fields = {"patient": change.data["patient"], "procedure": change.data["procedure"]}
    body = AppointmentPatch.model_validate(fields).model_dump(mode="json", exclude_unset=True)
    result = changes.edit(sv, change.external_id, body)
    return Applied("updated" if result.changed else "unchanged", change.external_id)


def _cancel(sv: Services, change: Cancel) -> Applied:
    try:
        changes.cancel(sv, change.external_id, change.reason, notify=change.notify)
    except changes.NoSuchAppointment:
        # Nothing to cancel: what the booking system wants (no reminders) already holds.
        return Applied("unknown", change.external_id, ["no such appointment: nothing to cancel"])
    return Applied("cancelled", change.external_id)


def _dotted(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out
