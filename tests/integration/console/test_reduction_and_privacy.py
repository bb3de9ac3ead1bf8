"""The appointment page takes a dose reduction and the patient's choice of discreet SMS, with
the API's validation (the error beside its field, nothing stored) and the same effect."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import current
from tests.integration.console.conftest import csrf_of

REDUCTION = {
    "med-0-name": "Rivaroxaban 20 mg",
    "med-0-pause_from": "",
    "med-0-resume_on": "",
    "med-0-reduced_dose": "10 mg once a day",
    "med-0-reduce_from": "2027-03-25",
    "med-0-reduce_until": "2027-03-29",
    "med-0-note": "",
}


def test_a_dose_reduction_is_entered_and_shown_again(staff: TestClient, booked: str) -> None:
    page = staff.get(f"/console/appointments/{booked}")
    assert 'for="med-0-reduced_dose"' in page.text and 'for="med-1-reduce_until"' in page.text
    done = staff.post(
        f"/console/appointments/{booked}/medications",
        data={"csrf_token": csrf_of(page.text), **REDUCTION},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    snap = current().store.appointments.snapshot(booked)
    assert snap is not None
    (med,) = snap.appointment.medications
    assert (med.reduced_dose, str(med.reduce_from), str(med.reduce_until)) == (
        "10 mg once a day",
        "2027-03-25",
        "2027-03-29",
    )
    assert med.pause_from is None
    again = staff.get(f"/console/appointments/{booked}").text
    assert 'value="10 mg once a day"' in again and 'value="2027-03-29"' in again
    assert "at a reduced dose: 10 mg once a day" in again  # the messages, as they will go out


def test_a_reduction_ending_before_the_procedure_is_refused_beside_its_field(
    staff: TestClient, booked: str
) -> None:
    page = staff.get(f"/console/appointments/{booked}")
    refused = staff.post(
        f"/console/appointments/{booked}/medications",
        data={"csrf_token": csrf_of(page.text), **REDUCTION, "med-0-reduce_until": "2027-03-20"},
    )
    assert refused.status_code == 422
    assert 'id="err-med-0-reduce_until"' in refused.text
    snap = current().store.appointments.snapshot(booked)
    assert snap is not None and snap.version == 1


def test_discreet_sms_are_switched_on_and_the_messages_shown_change(
    staff: TestClient, booked: str
) -> None:
    page = staff.get(f"/console/appointments/{booked}")
    assert 'for="discreet_sms"' in page.text
    assert "Apixaban" in page.text.split('id="h-privacy"')[0]  # the full SMS name it
    done = staff.post(
        f"/console/appointments/{booked}/sms-privacy",
        data={"csrf_token": csrf_of(page.text), "discreet_sms": "yes"},
        follow_redirects=False,
    )
    assert done.status_code == 303
    snap = current().store.appointments.snapshot(booked)
    assert snap is not None and snap.appointment.patient.discreet_sms
    assert done.headers["location"].endswith("?done=sms_privacy")
    shown = staff.get(done.headers["location"]).text
    assert "SMS privacy saved" in shown and 'id="discreet_sms" name="discreet_sms"' in shown
    assert "checked" in shown.split('id="discreet_sms"')[1].split(">")[0]
    off = staff.post(
        f"/console/appointments/{booked}/sms-privacy",
        data={"csrf_token": csrf_of(shown)},
        follow_redirects=False,
    )
    assert off.status_code == 303
    snap = current().store.appointments.snapshot(booked)
    assert snap is not None and not snap.appointment.patient.discreet_sms


def test_sms_privacy_needs_the_csrf_token(staff: TestClient, booked: str) -> None:
    refused = staff.post(
        f"/console/appointments/{booked}/sms-privacy", data={"discreet_sms": "yes"}
    )
    assert refused.status_code == 403
    snap = current().store.appointments.snapshot(booked)
    assert snap is not None and not snap.appointment.patient.discreet_sms
