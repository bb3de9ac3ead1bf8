"""A patient already told something that is now wrong gets a correction, in their language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient

from reminders.clock import FixedClock
from reminders.i18n.format import LocalFormat
from tests.factories import AS_INTEGRATION, appointment_data
from tests.helpers import current

AFTER_HEADS_UP = datetime(2027, 3, 24, 10, 0, tzinfo=UTC)  # the heads-up went at 09:00 Berlin


def sms_for(rule: str) -> list[dict[str, str]]:
    outbox = current().channels["sms"]
    return [
        m
        for m in outbox.messages()  # type: ignore[attr-defined]
        if m["channel"] == "sms" and f":{rule}:" in m["reminder"]
    ]


@pytest.mark.parametrize("locale", ["de", "es"])
def test_moving_the_procedure_and_the_pause_day_sends_corrections_in_the_patients_language(
    api: tuple[TestClient, FixedClock],
    locale: str,
    deliver_due: Callable[[FixedClock], list[str]],
) -> None:
    http, clock = api
    booked = http.post(
        "/appointments", json=appointment_data(patient__locale=locale), headers=AS_INTEGRATION
    )
    assert booked.status_code == 201
    deliver_due(clock)
    clock.set(AFTER_HEADS_UP)
    deliver_due(clock)
    assert len(sms_for("medication_heads_up")) == 1  # told to stop Apixaban from Mar 25
    moved = http.patch(
        "/appointments/APT-1001",
        headers=AS_INTEGRATION,
        json={
            "procedure": {"start": "2027-03-31T09:00:00+02:00"},
            "medications": [
                {"name": "Apixaban", "pause_from": "2027-03-28", "resume_on": "2027-04-01"}
            ],
        },
    )
    assert moved.status_code == 200, moved.text
    notices = {r["rule"] for r in moved.json()["reminders"] if r["rule"].startswith("notice_")}
    assert notices == {"notice_reschedule", "notice_medication_correction"}
    deliver_due(clock)
    fmt = LocalFormat(locale, ZoneInfo("Europe/Berlin"))
    (correction,) = sms_for("notice_medication_correction")
    assert correction["locale"] == locale
    assert fmt.day(date(2027, 3, 28)) in correction["text"]
    assert fmt.day(date(2027, 4, 1)) in correction["text"]
    assert "Apixaban" in correction["text"]
    (moved_sms,) = sms_for("notice_reschedule")
    assert moved_sms["locale"] == locale and fmt.day(date(2027, 3, 31)) in moved_sms["text"]
    # The old heads-up is not repeated; the new pause day still gets its own reminders.
    snap = current().store.appointments.snapshot("APT-1001")
    assert snap is not None
    pause = [r for r in snap.reminders if r.rule == "medication_pause" and r.version == 2]
    assert {r.due_at.date() for r in pause} == {date(2027, 3, 28)}


def test_a_medication_change_before_the_patient_heard_of_it_needs_no_correction(
    api: tuple[TestClient, FixedClock],
    deliver_due: Callable[[FixedClock], list[str]],
) -> None:
    http, clock = api
    http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION)
    deliver_due(clock)  # only the booking confirmation went out
    res = http.patch(
        "/appointments/APT-1001",
        headers=AS_INTEGRATION,
        json={"medications": [{"name": "Apixaban", "pause_from": "2027-03-26"}]},
    )
    assert res.status_code == 200
    assert not [r for r in res.json()["reminders"] if r["rule"].startswith("notice_")]


def test_a_changed_doctors_note_alone_is_a_correction_too(
    api: tuple[TestClient, FixedClock],
    deliver_due: Callable[[FixedClock], list[str]],
) -> None:
    http, clock = api
    http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION)
    clock.set(AFTER_HEADS_UP)
    deliver_due(clock)
    clock.set(AFTER_HEADS_UP + timedelta(hours=1))
    res = http.patch(
        "/appointments/APT-1001",
        headers=AS_INTEGRATION,
        json={
            "medications": [
                {
                    "name": "Apixaban",
                    "pause_from": "2027-03-25",
                    "resume_on": "2027-03-29",
                    "note": "Half dose on the evening before",
                }
            ]
        },
    )
    assert res.status_code == 200
    rules = [r["rule"] for r in res.json()["reminders"] if r["rule"].startswith("notice_")]
    assert sorted(rules) == ["notice_medication_correction"] * 2
    deliver_due(clock)
    (sms,) = sms_for("notice_medication_correction")
    assert "Half dose on the evening before" in sms["text"]
