"""Through the HTTP API: a dose reduction is booked, checked against the procedure day and
corrected like a pause; discreet SMS are chosen per patient at booking (and changed by an edit),
and what the patient then receives names no medicine."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from reminders.clock import FixedClock
from tests.factories import AS_INTEGRATION, AS_STAFF, BOOKED_AT, appointment_data
from tests.helpers import current

# The injection is on Sun 2027-03-28 (Berlin); the booking is on 2027-03-15.
REDUCE = {
    "name": "Rivaroxaban 20 mg",
    "reduced_dose": "10 mg once a day",
    "reduce_from": "2027-03-25",
    "reduce_until": "2027-03-29",
}


def sms_texts(rule: str) -> list[str]:
    """The SMS sent for reminders whose rule is ``rule`` (ids are ``ext:version:rule:med:ch``)."""
    return [
        m["text"]
        for m in current().channels["sms"].messages()  # type: ignore[attr-defined]
        if m["channel"] == "sms" and m["reminder"].split(":")[2] == rule
    ]


def rules(booking: dict[str, Any]) -> set[str]:
    return {r["rule"] for r in booking["reminders"]}


def test_a_reduction_is_booked_and_planned_around_its_days(
    api: tuple[TestClient, FixedClock],
) -> None:
    http, _ = api
    res = http.post(
        "/appointments",
        json=appointment_data(medications=[REDUCE]),
        headers=AS_INTEGRATION,
    )
    assert res.status_code == 201, res.text
    local = {r["rule"]: r["due_local"][:10] for r in res.json()["reminders"]}
    assert local["medication_heads_up"] == "2027-03-24"
    assert local["medication_pause"] == "2027-03-25"
    assert local["medication_resume"] == "2027-03-30"
    stored = http.get("/appointments/APT-1001", headers=AS_STAFF).json()
    assert stored["appointment"]["medications"][0]["reduced_dose"] == "10 mg once a day"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reduce_until": "2027-03-26"}, "medications[0].reduce_until"),  # usual dose before
        ({"reduce_from": "2027-03-29"}, "medications[0].reduce_from"),  # after the procedure
        ({"reduce_from": "2027-02-01"}, "medications[0].reduce_from"),  # far too early
        ({"reduce_from": None}, "medications[0].reduce_from"),
        ({"pause_from": "2027-03-25"}, "medications[0].pause_from"),
        ({"reduced_dose": ""}, "medications[0].reduced_dose"),
        ({"reduced_dose": "x" * 41}, "medications[0].reduced_dose"),
    ],
)
def test_a_bad_reduction_is_refused_naming_the_field_and_stores_nothing(
    api: tuple[TestClient, FixedClock], change: dict[str, Any], field: str
) -> None:
    http, _ = api
    res = http.post(
        "/appointments",
        json=appointment_data(medications=[{**REDUCE, **change}]),
        headers=AS_INTEGRATION,
    )
    assert res.status_code == 422, res.text
    assert [d["field"] for d in res.json()["detail"]] == [field], res.json()
    assert list(current().store.r.scan_iter(f"{current().store.prefix}:*")) == []


def test_changing_a_relayed_reduction_sends_a_correction_with_the_new_dose(
    api: tuple[TestClient, FixedClock],
    deliver_due: Callable[[FixedClock], list[str]],
) -> None:
    http, clock = api
    data = appointment_data(medications=[REDUCE], patient__locale="en")
    http.post("/appointments", json=data, headers=AS_INTEGRATION)
    clock.set(BOOKED_AT + timedelta(days=9, hours=-1))  # 2027-03-24 09:00 Berlin: heads-up
    deliver_due(clock)
    assert any("at a reduced dose: 10 mg once a day" in t for t in sms_texts("medication_heads_up"))
    res = http.patch(
        "/appointments/APT-1001",
        headers=AS_INTEGRATION,
        json={"medications": [{**REDUCE, "reduced_dose": "5 mg once a day"}]},
    )
    assert res.status_code == 200, res.text
    assert any("correction" in r for r in rules(res.json())), rules(res.json())
    deliver_due(clock)
    corrections = [t for r in rules(res.json()) if "correction" in r for t in sms_texts(r)]
    assert any("take it at a reduced dose: 5 mg once a day" in t for t in corrections)


def test_a_discreet_patient_gets_sms_without_the_medicine_and_an_edit_can_change_it(
    api: tuple[TestClient, FixedClock],
    deliver_due: Callable[[FixedClock], list[str]],
) -> None:
    http, clock = api
    data = appointment_data(patient__locale="en", patient__discreet_sms=True)
    assert http.post("/appointments", json=data, headers=AS_INTEGRATION).status_code == 201
    deliver_due(clock)
    (booking,) = sms_texts("booking_confirmation")
    assert "appointment is booked" in booking and "injection" not in booking
    res = http.patch(
        "/appointments/APT-1001",
        headers=AS_INTEGRATION,
        json={"patient": {"discreet_sms": False}},
    )
    assert res.status_code == 200, res.text
    clock.set(BOOKED_AT + timedelta(days=9, hours=-1))  # the heads-up for Apixaban
    deliver_due(clock)
    assert any("Apixaban" in t for t in sms_texts("medication_heads_up"))


def test_discreet_sms_must_be_true_or_false(api: tuple[TestClient, FixedClock]) -> None:
    http, _ = api
    res = http.post(
        "/appointments",
        json=appointment_data(patient__discreet_sms="yes"),
        headers=AS_INTEGRATION,
    )
    assert res.status_code == 422
    assert [d["field"] for d in res.json()["detail"]] == ["patient.discreet_sms"]
