"""FHIR R4 Appointments from a booking system: ``POST /fhir/Appointment``, ``PUT
/fhir/Appointment/{id}`` (an Appointment with its Patient contained, or a transaction Bundle of
the two) and ``GET /fhir/Appointment/{id}`` (our view of it). Bodies are ``application/fhir+json``
(``application/json`` is taken too); problems are an OperationOutcome (422) whose issue names
the FHIRPath expression. The change goes through ``intake.apply``: the API's own checks."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Depends, Request, Response
from starlette.concurrency import run_in_threadpool

from reminders.api.auth import Caller, require
from reminders.api.deps import SERVICES
from reminders.api.responses import BODY_LIMITS, Responses
from reminders.intake import fhir
from reminders.intake.apply import Refused, apply
from reminders.model import EXTERNAL_ID_PATTERN, Appointment
from reminders.wiring import Services

router = APIRouter(prefix="/fhir", tags=["fhir"])
integration = Depends(require("integration"))
FHIR_JSON = "application/fhir+json"
_ID = re.compile(EXTERNAL_ID_PATTERN)

_OUTCOME = {
    "type": "object",
    "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"const": "OperationOutcome"},
        "issue": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["severity", "code", "diagnostics", "expression"],
                "properties": {
                    "severity": {"const": "error"},
                    "code": {"type": "string", "examples": ["invalid"]},
                    "diagnostics": {"type": "string"},
                    "expression": {
                        "type": "array",
                        "items": {"type": "string"},
                        "examples": [["Appointment.participant[0].actor"]],
                    },
                },
            },
        },
    },
}
_APPOINTMENT = {"type": "object", "description": "a FHIR R4 Appointment (our view of it)"}


def _answer(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {FHIR_JSON: {"schema": schema}}}


_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            FHIR_JSON: {
                "schema": {
                    "type": "object",
                    "description": "an Appointment with its Patient contained, or a "
                    "transaction Bundle of Appointment and Patient (application/json too)",
                }
            }
        },
    }
}
_INVALID: Responses = {
    422: _answer("an OperationOutcome naming the FHIRPath; nothing was stored", _OUTCOME)
}
_WRITE: Responses = {
    200: _answer("updated (or unchanged, or cancelled): our view of it", _APPOINTMENT),
    201: _answer("booked: our view of it", _APPOINTMENT),
    404: _answer("a cancel of an appointment we never had (an OperationOutcome)", _OUTCOME),
    **_INVALID,
    **BODY_LIMITS,
}


@router.post("/Appointment", responses=_WRITE, openapi_extra=_BODY, response_class=Response)
async def create(
    request: Request, caller: Caller = integration, sv: Services = SERVICES
) -> Response:
    """Book or update by the Appointment's first identifier (the booking system's id)."""
    # The store is called in a worker thread, as for the API's plain (sync) routes.
    return await run_in_threadpool(_write, sv, await request.body(), None)


@router.put(
    "/Appointment/{appointment_id}", responses=_WRITE, openapi_extra=_BODY, response_class=Response
)
async def update(
    appointment_id: str, request: Request, caller: Caller = integration, sv: Services = SERVICES
) -> Response:
    """Book, update or cancel the appointment with this id (created when new)."""
    return await run_in_threadpool(_write, sv, await request.body(), appointment_id)


@router.get(
    "/Appointment/{appointment_id}",
    responses={
        200: _answer("our view of the appointment", _APPOINTMENT),
        404: _answer("no such appointment (an OperationOutcome)", _OUTCOME),
        422: _answer("not an id we could hold (an OperationOutcome)", _OUTCOME),
    },
    response_class=Response,
)
def read(appointment_id: str, caller: Caller = integration, sv: Services = SERVICES) -> Response:
    if not _ID.match(appointment_id):
        return outcome(422, "Appointment.id", "is not an id we could hold", "value")
    snap = sv.store.appointments.snapshot(appointment_id)
    if snap is None:
        return outcome(404, "Appointment.id", f"no appointment {appointment_id!r}", "not-found")
    return _fhir(200, view(snap.appointment))


def _write(sv: Services, raw: bytes, path_id: str | None) -> Response:
    if path_id is not None and not _ID.match(path_id):
        return outcome(422, "Appointment.id", "is not an id we could hold", "value")
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return outcome(422, "Appointment", "the body is not JSON", "structure")
    try:
        reading = fhir.read(body, sv.mapping, sv.settings.clinic, path_id)
    except fhir.Invalid as exc:
        return outcome(422, exc.expression, exc.message, exc.code)
    try:
        done = apply(sv, reading.change)
    except Refused as exc:
        return outcome(422, reading.where(exc.field), f"{exc.field} {exc.message}", "invalid")
    snap = sv.store.appointments.snapshot(done.external_id)
    if snap is None:  # a cancel of an appointment we never had
        return outcome(404, "Appointment.id", "; ".join(done.notes), "not-found")
    return _fhir(201 if done.what == "booked" else 200, view(snap.appointment))


def view(a: Appointment) -> dict[str, Any]:
    """Our view as an R4 Appointment: what we hold, with the Patient contained."""
    telecom = []
    if a.patient.phone:
        telecom.append({"system": "phone", "value": a.patient.phone, "use": "mobile"})
    if a.patient.email:
        telecom.append({"system": "email", "value": a.patient.email})
    end = a.procedure.end
    return {
        "resourceType": "Appointment",
        "id": a.external_id,
        "identifier": [{"value": a.external_id}],
        "status": "cancelled" if a.status.value == "cancelled" else "booked",
        "appointmentType": {"coding": [{"code": a.procedure.type}]},
        "start": a.procedure.start.isoformat(),
        "end": end.isoformat(),
        "minutesDuration": a.procedure.duration_minutes,
        "contained": [
            {
                "resourceType": "Patient",
                "id": "patient",
                "name": [{"text": a.patient.name}],
                "telecom": telecom,
                "communication": [{"language": {"coding": [{"code": a.patient.locale}]}}],
            }
        ],
        "participant": [
            {"actor": {"reference": "#patient"}, "status": "accepted"},
            {"actor": {"display": a.procedure.location.name}, "status": "accepted"},
        ],
    }


def outcome(status: int, expression: str, message: str, code: str) -> Response:
    issue = {"severity": "error", "code": code, "diagnostics": message, "expression": [expression]}
    return _fhir(status, {"resourceType": "OperationOutcome", "issue": [issue]})


def _fhir(status: int, body: dict[str, Any]) -> Response:
    return Response(json.dumps(body), status_code=status, media_type=FHIR_JSON)
