"""Booking, reading, editing and cancelling over HTTP, against real Redis."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from reminders.clock import FixedClock
from reminders.delivery import deliver, dispatch_tick
from tests.factories import AS_INTEGRATION, AS_STAFF, BOOKED_AT, appointment_data
from tests.helpers import current


def test_booking_lists_the_planned_reminders(api: tuple[TestClient, FixedClock]) -> None:
    http, _ = api
    res = http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION)
    assert res.status_code == 201, res.text
    body = res.json()
    assert body["version"] == 1 and body["created"]
    rules = [r["rule"] for r in body["reminders"] if r["channel"] == "sms"]
    assert rules[0] == "booking_confirmation" and "day_before" in rules
    first = body["reminders"][0]
    assert first["due_local"].endswith("+01:00")


def test_posting_the_same_external_id_again_updates_never_duplicates(
    api: tuple[TestClient, FixedClock],
) -> None:
    http, _ = api
    assert (
        http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION).status_code
        == 201
    )
    again = http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION)
    assert again.status_code == 200 and not again.json()["changed"]
    moved = appointment_data(procedure__start="2027-03-29T09:00:00+02:00")
    third = http.post("/appointments", json=moved, headers=AS_INTEGRATION)
    assert third.status_code == 200 and third.json()["version"] == 2
    keys = list(current().store.r.scan_iter(f"{current().store.prefix}:a:*"))
    assert len(keys) == 1


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"patient__phone": "+49123"}, "patient.phone"),
        ({"patient__phone": "015112345678"}, "patient.phone"),
        ({"patient__email": "not-an-email"}, "patient.email"),
        ({"patient__timezone": "Mars/Olympus"}, "patient.timezone"),
        ({"patient__locale": "xx-nope-!!"}, "patient.locale"),
        ({"procedure__start": "2027-03-01T09:00:00+01:00"}, "procedure.start"),
        ({"procedure__start": "2027-03-28T09:00:00"}, "procedure.start"),
        (
            {"medications": [{"name": "Apixaban", "pause_from": "2027-03-30"}]},
            "medications[0].pause_from",
        ),
        (
            {"medications": [{"name": "Apixaban", "resume_on": "2027-03-20"}]},
            "medications[0].resume_on",
        ),
        ({"external_id": "has spaces"}, "external_id"),
    ],
)
def test_a_rejected_booking_names_the_field_and_stores_nothing(
    api: tuple[TestClient, FixedClock], override: dict[str, Any], field: str
) -> None:
    http, _ = api
    res = http.post("/appointments", json=appointment_data(**override), headers=AS_INTEGRATION)
    assert res.status_code == 422, res.text
    assert any(d["field"] == field for d in res.json()["detail"]), res.json()
    assert list(current().store.r.scan_iter(f"{current().store.prefix}:*")) == []
    assert "+49123" not in res.text and "not-an-email" not in res.text


def test_the_timeline_shows_states_local_times_and_delivery_events(
    api: tuple[TestClient, FixedClock],
    deliver_due: Callable[[FixedClock], list[str]],
) -> None:
    http, clock = api
    http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION)
    assert deliver_due(clock) == ["sent", "sent"]
    res = http.get("/appointments/APT-1001", headers=AS_STAFF)
    assert res.status_code == 200
    body = res.json()
    sent = [r for r in body["reminders"] if r["state"] == "sent"]
    assert {r["rule"] for r in sent} == {"booking_confirmation"}
    assert all(r["locale"] == "de" and r["provider_id"] for r in sent)
    # Each attempt's start and its outcome, by reminder.
    assert [e["type"] for e in body["events"]] == ["booked", "sending", "sent", "sending", "sent"]
    for r in sent:
        mine = [e for e in body["events"] if e.get("reminder") == r["id"]]
        assert [(e["type"], e.get("attempt")) for e in mine] == [("sending", 1), ("sent", None)]
        assert mine[1]["provider_id"] == r["provider_id"] and mine[0]["at"] <= mine[1]["at"]
    assert body["appointment"]["patient"]["name"] == "Maria Rossi"


def test_rescheduling_after_the_patient_was_told_sends_a_reschedule_notice(
    api: tuple[TestClient, FixedClock],
    deliver_due: Callable[[FixedClock], list[str]],
) -> None:
    http, clock = api
    http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION)
    deliver_due(clock)
    clock.set(BOOKED_AT + timedelta(hours=3))
    res = http.patch(
        "/appointments/APT-1001",
        headers=AS_INTEGRATION,
        json={"procedure": {"start": "2027-03-29T10:00:00+02:00"}},
    )
    assert res.status_code == 200, res.text
    notices = [r for r in res.json()["reminders"] if r["rule"] == "notice_reschedule"]
    assert {r["channel"] for r in notices} == {"sms", "email"}
    deliver_due(clock)
    outbox = current().channels["sms"]
    texts = [
        m["text"]
        for m in outbox.messages()  # type: ignore[attr-defined]
        if "notice_reschedule" in m["reminder"] and m["channel"] == "sms"
    ]
    assert len(texts) == 1 and "29. März" in texts[0] and "10:00" in texts[0]


def test_editing_contact_details_replans_without_notices(
    api: tuple[TestClient, FixedClock],
) -> None:
    http, _ = api
    http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION)
    res = http.patch(
        "/appointments/APT-1001",
        headers=AS_INTEGRATION,
        json={"patient": {"email": None, "channels": ["sms"]}},
    )
    assert res.status_code == 200, res.text
    assert {r["channel"] for r in res.json()["reminders"]} == {"sms"}
    assert not any(r["rule"].startswith("notice_") for r in res.json()["reminders"])


def test_an_edit_with_an_unknown_field_is_rejected_and_changes_nothing(
    api: tuple[TestClient, FixedClock],
) -> None:
    http, _ = api
    http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION)
    res = http.patch(
        "/appointments/APT-1001", headers=AS_INTEGRATION, json={"patient": {"shoe_size": 44}}
    )
    assert res.status_code == 422 and res.json()["detail"][0]["field"] == "patient.shoe_size"
    assert current().store.appointments.snapshot("APT-1001").version == 1  # type: ignore[union-attr]


def test_cancelling_cancels_pending_reminders_and_notifies_the_patient(
    api: tuple[TestClient, FixedClock],
    deliver_due: Callable[[FixedClock], list[str]],
) -> None:
    http, clock = api
    http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION)
    deliver_due(clock)
    res = http.post(
        "/appointments/APT-1001/cancel", json={"reason": "patient request"}, headers=AS_INTEGRATION
    )
    assert res.status_code == 200 and res.json()["status"] == "cancelled"
    assert sorted(deliver_due(clock)) == ["sent", "sent"]
    snap = current().store.appointments.snapshot("APT-1001")
    assert snap is not None
    states = {(r.rule, r.state) for r in snap.reminders}
    assert ("notice_cancellation", "sent") in states
    assert all(r.state in {"sent", "cancelled"} for r in snap.reminders)
    assert not any(r.state == "sent" and r.rule == "day_before" for r in snap.reminders)


def test_unknown_appointments_are_404(api: tuple[TestClient, FixedClock]) -> None:
    http, _ = api
    assert http.get("/appointments/NOPE", headers=AS_STAFF).status_code == 404
    assert (
        http.post("/appointments/NOPE/cancel", json={}, headers=AS_INTEGRATION).status_code == 404
    )


def test_a_cancellation_racing_dispatch_never_lets_a_stale_reminder_out(
    api: tuple[TestClient, FixedClock],
) -> None:
    http, clock = api
    for n in range(20):
        data = appointment_data(external_id=f"RACE-{n}")
        http.post("/appointments", json=data, headers=AS_INTEGRATION)
    clock.set(BOOKED_AT + timedelta(days=12, hours=12))  # many reminders due at once
    store = current().store
    pairs: list[tuple[str, str]] = []
    dispatch_tick(store, clock.now(), lambda r, t: pairs.append((r, t)))
    assert len(pairs) > 100

    def worker() -> None:
        for rid, token in pairs:
            deliver(store, rid, token, current().channels, clock.now, current().delivery)

    t = threading.Thread(target=worker)
    t.start()
    for n in range(20):
        http.post(f"/appointments/RACE-{n}/cancel", json={"notify": False}, headers=AS_INTEGRATION)
    t.join()
    for n in range(20):
        events = store.appointments.events(f"RACE-{n}")
        cancelled_at = next(i for i, e in enumerate(events) if e["type"] == "cancelled")
        late_sends = [e for e in events[cancelled_at:] if e["type"] == "sent"]
        # A send recorded after the cancel must have begun before it (in flight), never after.
        snap = store.appointments.snapshot(f"RACE-{n}")
        assert snap is not None
        for e in late_sends:
            assert e["reminder"].split(":")[1] == "1"
        assert all(r.state in {"sent", "cancelled", "skipped"} for r in snap.reminders)
    assert store.reminders.due_count(clock.now() + timedelta(days=30)) == 0
