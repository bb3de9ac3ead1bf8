"""A FHIR R4 Appointment (R4B models of fhir.resources, R4's compatible release) with its
Patient contained, or a transaction Bundle of the two -> the change it asks for. Status
``booked``/``pending`` (and ``arrived``, ``checked-in``, ``fulfilled``) books or updates,
``cancelled`` and ``entered-in-error`` cancel with the notice, ``noshow`` cancels the rest
silently. A problem is an ``Invalid`` naming the FHIRPath expression of what is wrong."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pydantic
from fhir.resources.R4B.appointment import Appointment
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.patient import Patient

from reminders.i18n.locales import normalize
from reminders.intake import contacts
from reminders.intake.apply import Book, Cancel, Read
from reminders.intake.mapping import Mapping, Place
from reminders.settings import Clinic

BOOKS = frozenset({"booked", "pending", "arrived", "checked-in", "fulfilled"})
CANCELS = {"cancelled": True, "entered-in-error": True, "noshow": False}


class Invalid(ValueError):
    """``expression``: FHIRPath of the element at fault; ``code``: the OperationOutcome issue
    type (invalid, required, code-invalid, value)."""

    def __init__(self, expression: str, message: str, code: str = "invalid") -> None:
        super().__init__(f"{expression}: {message}")
        self.expression, self.message, self.code = expression, message, code


@dataclass(frozen=True)
class _Found:
    appointment: Appointment
    at: str  # FHIRPath of the Appointment: "Appointment" or "Bundle.entry[0].resource"
    patients: dict[str, tuple[Patient, str]]  # reference -> (Patient, its FHIRPath)


def read(body: Any, mapping: Mapping, clinic: Clinic, path_id: str | None = None) -> Read:
    """``path_id``: the id of ``PUT /fhir/Appointment/{id}``; a POST takes the Appointment's
    first identifier's value, else its id, as the booking's external id."""
    found = _resources(body)
    appt, at = found.appointment, found.at
    if path_id is not None and appt.id is not None and appt.id != path_id:
        raise Invalid(f"{at}.id", "differs from the id in the URL")
    external_id, id_at = _external_id(appt, at, path_id)
    out = Read(Cancel(external_id, "", notify=False), {"external_id": id_at})
    if appt.status is None:
        raise Invalid(f"{at}.status", "is required", "required")
    status = str(appt.status)
    if status in CANCELS:
        out.change = Cancel(external_id, f"{status} (FHIR Appointment)", CANCELS[status])
        return out
    if status not in BOOKS:
        raise Invalid(f"{at}.status", f"status {status!r} is not taken", "code-invalid")
    patient, patient_at = _patient(found)
    place, place_at = _place(appt, at, mapping, clinic)
    person: dict[str, Any] = {"name": _name(patient, patient_at)}
    person["timezone"] = place.timezone or clinic.timezone
    person |= _telecom(patient, patient_at, mapping.default_region)
    if (language := _language(patient, mapping)) is not None:
        person["locale"] = language
    out.sources |= {
        "patient.name": f"{patient_at}.name",
        "patient.phone": f"{patient_at}.telecom",
        "patient.email": f"{patient_at}.telecom",
        "patient.channels": f"{patient_at}.telecom",
        "patient.locale": f"{patient_at}.communication",
        "patient.timezone": place_at,
        "procedure.location": place_at,
        "procedure.start": f"{at}.start",
        "procedure.duration_minutes": f"{at}.end",
        "procedure.type": f"{at}.appointmentType",
    }
    if appt.start is None:
        raise Invalid(f"{at}.start", "a booking needs its start", "required")
    procedure = {
        "type": _procedure(appt, at, mapping),
        "start": appt.start.isoformat(),
        "duration_minutes": _minutes(appt),
        "location": {"name": place.name, "address": place.address, "phone": place.phone},
    }
    out.change = Book({"external_id": external_id, "patient": person, "procedure": procedure})
    return out


# --- finding the resources ----------------------------------------------------------------------


def _resources(body: Any) -> _Found:
    if not isinstance(body, dict):
        raise Invalid("Appointment", "the body must be a JSON object (an Appointment or a Bundle)")
    kind = body.get("resourceType")
    if kind == "Appointment":
        appt = _valid(Appointment, body, "Appointment")
        return _Found(appt, "Appointment", _contained(appt, "Appointment"))
    if kind != "Bundle":
        raise Invalid("resourceType", "must be Appointment or Bundle", "structure")
    bundle = _valid(Bundle, body, "Bundle")
    found: list[tuple[Appointment, str]] = []
    patients: dict[str, tuple[Patient, str]] = {}
    for i, entry in enumerate(bundle.entry or []):
        at = f"Bundle.entry[{i}].resource"
        res = entry.resource
        if isinstance(res, Appointment):
            found.append((res, at))
        elif isinstance(res, Patient):
            for ref in (entry.fullUrl, f"Patient/{res.id}" if res.id else None):
                if ref:
                    patients[str(ref)] = (res, at)
    if len(found) != 1:
        raise Invalid("Bundle.entry", "must hold exactly one Appointment", "structure")
    appt, at = found[0]
    return _Found(appt, at, {**patients, **_contained(appt, at)})


def _valid(model: Any, body: dict[str, Any], root: str) -> Any:
    try:
        return model.model_validate(body)
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        raise Invalid(_path(root, first["loc"]), _message(first)) from None
    except (ValueError, TypeError) as exc:
        raise Invalid(root, str(exc).splitlines()[0][:200]) from None


def _path(root: str, loc: tuple[int | str, ...]) -> str:
    out = root
    for part in loc:
        if part in ("root", "__root__"):
            continue
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out


def _message(error: Any) -> str:
    # pydantic's text, never the value sent (it may be a patient's contact details).
    return str(error.get("msg", "is not valid")).split(", input_value")[0][:200]


def _contained(appt: Appointment, at: str) -> dict[str, tuple[Patient, str]]:
    return {
        f"#{res.id}": (res, f"{at}.contained[{i}]")
        for i, res in enumerate(appt.contained or [])
        if isinstance(res, Patient) and res.id
    }


def _external_id(appt: Appointment, at: str, path_id: str | None) -> tuple[str, str]:
    if path_id is not None:
        return path_id, f"{at}.id"
    for i, ident in enumerate(appt.identifier or []):
        if ident.value:
            return str(ident.value), f"{at}.identifier[{i}].value"
    if appt.id:
        return str(appt.id), f"{at}.id"
    raise Invalid(f"{at}.identifier", "needs the booking system's identifier", "required")


def _patient(found: _Found) -> tuple[Patient, str]:
    at = found.at
    for i, part in enumerate(found.appointment.participant or []):
        ref = part.actor.reference if part.actor is not None else None
        if not ref or not (ref.startswith("#") or ref.startswith("Patient/") or ":" in ref):
            continue
        if ref in found.patients:
            return found.patients[ref]
        raise Invalid(
            f"{at}.participant[{i}].actor",
            "refers to a Patient that is neither contained nor in the Bundle",
        )
    raise Invalid(f"{at}.participant", "no participant is the Patient", "required")


def _place(appt: Appointment, at: str, mapping: Mapping, clinic: Clinic) -> tuple[Place, str]:
    for i, part in enumerate(appt.participant or []):
        ref = part.actor.reference if part.actor is not None else None
        if ref and ref.startswith("Location/"):
            code = ref.removeprefix("Location/")
            own = Place(clinic.name, clinic.address, clinic.phone)
            return mapping.locations.get(code, own), f"{at}.participant[{i}].actor"
    return Place(clinic.name, clinic.address, clinic.phone), f"{at}.participant"


# --- values -------------------------------------------------------------------------------------


def _name(patient: Patient, at: str) -> str:
    for n in patient.name or []:
        parts: list[str] = [str(g) for g in n.given or [] if g]
        text = n.text or " ".join([*parts, n.family or ""])
        if text.strip():
            return " ".join(text.split())
    raise Invalid(f"{at}.name", "the Patient needs a name", "required")


def _telecom(patient: Patient, at: str, region: str) -> dict[str, str | None]:
    phones: list[tuple[int, str]] = []
    emails: list[str] = []
    for t in patient.telecom or []:
        value = str(t.value or "")
        if t.system in ("phone", "sms") and (number := contacts.e164(value, region)):
            phones.append((0 if t.use == "mobile" or t.system == "sms" else 1, number))
        elif t.system == "email" and (address := contacts.address(value)):
            emails.append(address)
    if not phones and not emails:
        raise Invalid(f"{at}.telecom", "no usable phone or email", "required")
    phones.sort(key=lambda p: p[0])
    return {"phone": phones[0][1] if phones else None, "email": emails[0] if emails else None}


def _language(patient: Patient, mapping: Mapping) -> str | None:
    comms = sorted(patient.communication or [], key=lambda c: not c.preferred)
    for c in comms:
        for code in [*(x.code for x in c.language.coding or []), c.language.text]:
            if code and normalize(mapping.language(str(code))):
                return mapping.language(str(code))
    return None


def _procedure(appt: Appointment, at: str, mapping: Mapping) -> str:
    concepts = [appt.appointmentType, *(appt.serviceType or [])]
    for concept in concepts:
        for coding in (concept.coding or []) if concept is not None else []:
            keys = [f"{coding.system}|{coding.code}", str(coding.code)]
            if (name := mapping.procedure(*keys)) is not None:
                return name
    raise Invalid(
        f"{at}.appointmentType",
        "no appointmentType or serviceType coding is in the mapping's [procedures]",
        "code-invalid",
    )


def _minutes(appt: Appointment) -> int:
    if appt.end is not None and appt.start is not None:
        span: datetime = appt.end
        return max(1, round((span - appt.start).total_seconds() / 60))
    return int(appt.minutesDuration or 30)
