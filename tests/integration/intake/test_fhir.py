"""FHIR R4 Appointments through the HTTP app (issue 14): valid and invalid resources, the
OperationOutcome's FHIRPath, each status, and the same checks, corrections and notices as the
JSON API (both go through ``api.changes``)."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from fhir.resources.R4B.appointment import Appointment

from reminders.clock import FixedClock
from reminders.model import AppointmentStatus, ReminderState
from tests.factories import AS_INTEGRATION, AS_STAFF
from tests.helpers import current
from tests.integration.conftest import DeliverDue

Api = tuple[TestClient, FixedClock]
FHIR = {**AS_INTEGRATION, "Content-Type": "application/fhir+json"}

APPOINTMENT: dict[str, Any] = {
    "resourceType": "Appointment",
    "identifier": [{"system": "urn:ris", "value": "RIS-7001"}],
    "status": "booked",
    "appointmentType": {"coding": [{"system": "urn:ris:codes", "code": "CT-LESI"}]},
    "start": "2027-03-28T09:00:00+02:00",
    "end": "2027-03-28T09:45:00+02:00",
    "contained": [
        {
            "resourceType": "Patient",
            "id": "pat",
            "name": [{"family": "Rossi", "given": ["Maria"]}],
            "telecom": [
                {"system": "phone", "value": "030 1234567", "use": "home"},
                {"system": "phone", "value": "0151 12345678", "use": "mobile"},
                {"system": "email", "value": "maria@example.org"},
            ],
            "communication": [{"language": {"coding": [{"code": "de"}]}, "preferred": True}],
        }
    ],
    "participant": [
        {"actor": {"reference": "#pat"}, "status": "accepted"},
        {"actor": {"reference": "Location/CT1"}, "status": "accepted"},
    ],
}


def appointment(**changes: Any) -> dict[str, Any]:
    out = copy.deepcopy(APPOINTMENT)
    out.update(changes)
    return out


def bundle(appt: dict[str, Any] | None = None) -> dict[str, Any]:
    appt = copy.deepcopy(appt or APPOINTMENT)
    patient = appt.pop("contained")[0]
    appt["participant"][0]["actor"]["reference"] = "urn:uuid:6b1c0c3e-0000-4000-8000-000000000001"
    return {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "fullUrl": "urn:uuid:6b1c0c3e-0000-4000-8000-000000000001",
                "resource": patient,
                "request": {"method": "POST", "url": "Patient"},
            },
            {"resource": appt, "request": {"method": "POST", "url": "Appointment"}},
        ],
    }


def post(http: TestClient, body: Any, **kw: Any) -> Any:
    return http.post("/fhir/Appointment", json=body, headers=FHIR, **kw)


def issue(res: Any) -> dict[str, Any]:
    assert res.status_code == 422, res.text
    assert res.headers["content-type"].startswith("application/fhir+json")
    body = res.json()
    assert body["resourceType"] == "OperationOutcome"
    (only,) = body["issue"]
    assert only["severity"] == "error"
    return dict(only)


def test_a_contained_patient_books_and_the_view_is_a_valid_r4_appointment(api: Api) -> None:
    http, _ = api
    res = post(http, APPOINTMENT)
    assert res.status_code == 201, res.text
    assert res.headers["content-type"].startswith("application/fhir+json")
    Appointment.model_validate(res.json())
    appt = current().store.appointments.snapshot("RIS-7001").appointment  # type: ignore[union-attr]
    assert (appt.patient.phone, appt.patient.email) == ("+4915112345678", "maria@example.org")
    assert (appt.patient.name, appt.patient.locale) == ("Maria Rossi", "de")
    assert appt.patient.timezone == "Europe/Berlin"
    assert appt.procedure.start == datetime(2027, 3, 28, 7, 0, tzinfo=UTC)
    assert appt.procedure.duration_minutes == 45
    assert appt.procedure.location.name == "Riverside Radiology, CT suite 1"
    got = http.get("/fhir/Appointment/RIS-7001", headers=AS_INTEGRATION)
    assert got.status_code == 200
    view = Appointment.model_validate(got.json())
    assert (view.id, view.status, view.minutesDuration) == ("RIS-7001", "booked", 45)
    assert post(http, APPOINTMENT).status_code == 200  # the same again: unchanged


def test_a_transaction_bundle_books_the_same(api: Api) -> None:
    http, _ = api
    res = post(http, bundle())
    assert res.status_code == 201, res.text
    assert current().store.appointments.snapshot("RIS-7001") is not None


def test_plain_json_is_taken_too(api: Api) -> None:
    http, _ = api
    res = http.post("/fhir/Appointment", json=APPOINTMENT, headers=AS_INTEGRATION)
    assert res.status_code == 201


def test_put_books_under_the_urls_id_and_moves_with_the_reschedule_notice(
    api: Api, deliver_due: DeliverDue
) -> None:
    http, clock = api
    body = appointment(identifier=[])
    assert http.put("/fhir/Appointment/RIS-7002", json=body, headers=FHIR).status_code == 201
    deliver_due(clock)
    moved = appointment(
        identifier=[], start="2027-03-30T09:00:00+02:00", end=None, minutesDuration=60
    )
    res = http.put("/fhir/Appointment/RIS-7002", json=moved, headers=FHIR)
    assert res.status_code == 200, res.text
    snap = current().store.appointments.snapshot("RIS-7002")
    assert snap is not None and snap.appointment.procedure.duration_minutes == 60
    pending = {r.rule for r in snap.reminders if r.version == snap.version}
    assert "notice_reschedule" in pending


def test_cancelled_cancels_with_the_notice_and_noshow_silently(
    api: Api, deliver_due: DeliverDue
) -> None:
    http, clock = api
    for aid in ("RIS-7003", "RIS-7004"):
        put = http.put(f"/fhir/Appointment/{aid}", json=appointment(identifier=[]), headers=FHIR)
        assert put.status_code == 201
    deliver_due(clock)
    for aid, status, notices in (("RIS-7003", "cancelled", 2), ("RIS-7004", "noshow", 0)):
        body = appointment(identifier=[], status=status)
        res = http.put(f"/fhir/Appointment/{aid}", json=body, headers=FHIR)
        assert res.status_code == 200, res.text
        assert res.json()["status"] == "cancelled"
        snap = current().store.appointments.snapshot(aid)
        assert snap is not None and snap.appointment.status is AppointmentStatus.CANCELLED
        scheduled = [r.rule for r in snap.reminders if r.state is ReminderState.SCHEDULED]
        assert scheduled == ["notice_cancellation"] * notices


def test_medications_added_through_the_api_are_planned_and_kept(api: Api) -> None:
    http, _ = api
    post(http, APPOINTMENT)
    meds = {
        "medications": [{"name": "Apixaban", "pause_from": "2027-03-25", "resume_on": "2027-03-29"}]
    }
    assert http.patch("/appointments/RIS-7001", json=meds, headers=AS_INTEGRATION).is_success
    res = post(http, appointment(end="2027-03-28T10:00:00+02:00"))
    assert res.status_code == 200
    snap = current().store.appointments.snapshot("RIS-7001")
    assert snap is not None and [m.name for m in snap.appointment.medications] == ["Apixaban"]
    assert "medication_pause" in {r.rule for r in snap.reminders if r.version == snap.version}


def _no_patient(a: dict[str, Any]) -> None:
    a["participant"][0]["actor"] = {"reference": "#someone-else"}


def _bad_actor(a: dict[str, Any]) -> None:
    a["participant"][0]["actor"] = 5


def _no_contact(a: dict[str, Any]) -> None:
    a["contained"][0]["telecom"] = [{"system": "fax", "value": "+49 30 999"}]


def _unknown_code(a: dict[str, Any]) -> None:
    a["appointmentType"] = {"coding": [{"code": "XR-CHEST"}]}


def _past(a: dict[str, Any]) -> None:
    a["start"], a["end"] = "2020-01-01T09:00:00+01:00", "2020-01-01T09:30:00+01:00"


def _no_name(a: dict[str, Any]) -> None:
    a["contained"][0]["name"] = []


def _bad_id(a: dict[str, Any]) -> None:
    a["identifier"] = [{"value": "no spaces allowed"}]


@pytest.mark.parametrize(
    ("spoil", "expression", "code"),
    [
        (_no_patient, "Appointment.participant[0].actor", "invalid"),
        (_bad_actor, "Appointment.participant[0].actor", "invalid"),
        (_no_contact, "Appointment.contained[0].telecom", "required"),
        (_unknown_code, "Appointment.appointmentType", "code-invalid"),
        (_past, "Appointment.start", "invalid"),
        (_no_name, "Appointment.contained[0].name", "required"),
        (_bad_id, "Appointment.identifier[0].value", "invalid"),
        (lambda a: a.update(status="waitlist"), "Appointment.status", "code-invalid"),
        (lambda a: a.update(start=None), "Appointment.start", "required"),
        (lambda a: a.update(resourceType="Patient"), "resourceType", "structure"),
    ],
)
def test_an_invalid_resource_is_an_operation_outcome_naming_the_fhirpath(
    api: Api, spoil: Callable[[dict[str, Any]], None], expression: str, code: str
) -> None:
    http, _ = api
    body = appointment()
    spoil(body)
    got = issue(post(http, body))
    assert (got["expression"], got["code"]) == ([expression], code), got
    assert "maria" not in str(got).lower()  # no value sent is echoed
    assert current().store.appointments.snapshot("RIS-7001") is None


def test_bundle_paths_name_the_entry(api: Api) -> None:
    http, _ = api
    spoilt = bundle()
    spoilt["entry"][0]["resource"]["telecom"] = []
    got = issue(post(http, spoilt))
    assert got["expression"] == ["Bundle.entry[0].resource.telecom"]


def test_not_json_and_mismatched_ids_are_refused(api: Api) -> None:
    http, _ = api
    res = http.post("/fhir/Appointment", content=b"{not json", headers=FHIR)
    assert issue(res)["expression"] == ["Appointment"]
    body = appointment(id="RIS-OTHER")
    res = http.put("/fhir/Appointment/RIS-7001", json=body, headers=FHIR)
    assert issue(res)["expression"] == ["Appointment.id"]


def test_every_answer_of_the_routes_is_provoked(api: Api) -> None:
    provoke_every_answer(
        lambda method, _t, path, **kw: api[0].request(method, path or "/fhir/Appointment", **kw)
    )


def test_every_route_needs_a_token(api: Api) -> None:
    http, _ = api
    assert http.get("/fhir/Appointment/RIS-7001").status_code == 401
    assert http.post("/fhir/Appointment", json=APPOINTMENT).status_code == 401


Call = Callable[..., Any]


def provoke_every_answer(call: Call) -> None:
    """201, 200, 404 and 422 of the FHIR routes, for test_openapi.py (``Answers.call``): with
    or without a mapping file (the procedure coded by its schedule's name)."""
    one = "/fhir/Appointment/{appointment_id}"
    by_name = {"coding": [{"code": "epidural_steroid_injection"}]}

    def appointment(**changes: Any) -> dict[str, Any]:
        return {**copy.deepcopy(APPOINTMENT), "appointmentType": by_name, **changes}

    def expect(status: int, method: str, template: str, path: str | None, **kw: Any) -> None:
        res = call(method, template, path, headers={**AS_STAFF, **FHIR_TYPE}, **kw)
        assert res.status_code == status, (method, path, res.text)

    expect(201, "POST", "/fhir/Appointment", None, json=appointment())
    expect(200, "POST", "/fhir/Appointment", None, json=appointment())
    expect(422, "POST", "/fhir/Appointment", None, json=appointment(status="waitlist"))
    expect(201, "PUT", one, "/fhir/Appointment/RIS-7010", json=appointment(identifier=[]))
    expect(200, "PUT", one, "/fhir/Appointment/RIS-7010", json=appointment(identifier=[]))
    expect(422, "PUT", one, "/fhir/Appointment/RIS-7010", json={"resourceType": "Patient"})
    gone = appointment(identifier=[], status="cancelled")
    expect(404, "PUT", one, "/fhir/Appointment/RIS-NEVER", json=gone)
    expect(
        404,
        "POST",
        "/fhir/Appointment",
        None,
        json=appointment(identifier=[{"value": "RIS-NEVER2"}], status="cancelled"),
    )
    expect(200, "GET", one, "/fhir/Appointment/RIS-7010")
    expect(404, "GET", one, "/fhir/Appointment/RIS-NOPE")
    expect(422, "GET", one, "/fhir/Appointment/-bad")


FHIR_TYPE = {"Content-Type": "application/fhir+json"}
