"""Roles, schedules, the attention list, health and retention, over HTTP. (Metrics are in
test_metrics.py; log masking, which needs no app, is in tests/unit/test_logsafe.py.)"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from reminders.clock import FixedClock, WarpClock
from reminders.delivery import dispatch_tick
from reminders.staff.attention import items
from reminders.staff.retention import purge
from tests.factories import AS_INTEGRATION, AS_STAFF, BOOKED_AT, appointment_data
from tests.helpers import current


@pytest.mark.parametrize(
    ("method", "path", "headers", "status"),
    [
        ("get", "/appointments/APT-1001", {}, 401),
        (
            "get",
            "/appointments/APT-1001",
            {"Authorization": "Bearer wrong-token-xxxxxxxxxxxx"},
            401,
        ),
        ("get", "/appointments/APT-1001", {"Authorization": "Basic abc"}, 401),
        ("get", "/appointments/APT-1001", AS_INTEGRATION, 403),
        ("get", "/attention", AS_INTEGRATION, 403),
        ("get", "/appointments/APT-1001", AS_STAFF, 200),
        ("get", "/attention", AS_STAFF, 200),
        ("get", "/schedules", AS_INTEGRATION, 200),
    ],
)
def test_roles_are_enforced(
    api: tuple[TestClient, FixedClock], method: str, path: str, headers: dict[str, str], status: int
) -> None:
    http, _ = api
    http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION)
    res = http.request(method, path, headers=headers)
    assert res.status_code == status, res.text
    if status == 401:
        assert res.headers["www-authenticate"] == "Bearer"


def test_booking_needs_a_token(api: tuple[TestClient, FixedClock]) -> None:
    http, _ = api
    assert http.post("/appointments", json=appointment_data()).status_code == 401
    assert list(current().store.r.scan_iter(f"{current().store.prefix}:*")) == []


def test_schedules_are_listed_and_previewed_like_the_cli(
    api: tuple[TestClient, FixedClock],
) -> None:
    http, _ = api
    listed = http.get("/schedules", headers=AS_INTEGRATION).json()
    assert [s["name"] for s in listed] == ["epidural_steroid_injection"]
    res = http.get(
        "/schedules/epidural_steroid_injection/preview",
        headers=AS_INTEGRATION,
        params={
            "procedure_at": "2027-03-28T09:00",
            "tz": "Europe/Berlin",
            "locale": "de",
            "duration": 45,
            "now": "2027-03-20T10:00:00Z",
            "medication": "Apixaban:2027-03-25:2027-03-29",
        },
    )
    assert res.status_code == 200, res.text
    first = res.json()[0]
    assert first["rule"] == "booking_confirmation" and first["due_at"] == "2027-03-20T10:00:00Z"
    assert first["due_local"] == "2027-03-20T11:00:00+01:00"
    assert {"rule", "channel", "locale", "due_at", "due_local", "body"} <= set(first)
    bad = http.get(
        "/schedules/epidural_steroid_injection/preview",
        headers=AS_INTEGRATION,
        params={"procedure_at": "2027-03-28T09:00", "tz": "Nowhere/City"},
    )
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "tz"
    missing = http.get(
        "/schedules/nope/preview",
        headers=AS_INTEGRATION,
        params={"procedure_at": "2027-03-28T09:00", "tz": "Europe/Berlin"},
    )
    assert missing.status_code == 404


def test_a_reminder_flagged_at_booking_is_on_the_attention_list_until_handled(
    api: tuple[TestClient, FixedClock],
) -> None:
    http, clock = api
    clock.set(BOOKED_AT + timedelta(days=10, hours=2))  # after the pause day's 08:00
    data = appointment_data(procedure__start="2027-03-28T09:00:00+02:00")
    assert http.post("/appointments", json=data, headers=AS_INTEGRATION).status_code == 201
    listed = http.get("/attention", headers=AS_STAFF).json()
    flagged = [i for i in listed if i["kind"] == "flagged"]
    assert {i["reminder_id"].split(":")[2] for i in flagged} == {"medication_pause"}
    item = flagged[0]["id"]
    done = http.post(f"/attention/{item}/handled", json={"note": "called her"}, headers=AS_STAFF)
    assert done.status_code == 200
    assert item not in {i["id"] for i in http.get("/attention", headers=AS_STAFF).json()}
    again = http.get("/attention", params={"include_handled": True}, headers=AS_STAFF).json()
    assert next(i for i in again if i["id"] == item)["handled"]["note"] == "called her"
    assert http.post("/attention/nope/handled", json={}, headers=AS_STAFF).status_code == 404


def test_an_escort_not_confirmed_by_the_day_before_needs_attention(
    api: tuple[TestClient, FixedClock],
    deliver_due: Callable[[FixedClock], list[str]],
) -> None:
    http, clock = api
    http.post("/appointments", json=appointment_data(medications=[]), headers=AS_INTEGRATION)
    clock.set(BOOKED_AT + timedelta(days=10))  # escort reminder (3 days before) is due
    deliver_due(clock)
    assert not [i for i in items(current().store, clock.now()) if i.kind == "escort_unconfirmed"]
    clock.set(BOOKED_AT + timedelta(days=12))  # the day before
    kinds = [i.kind for i in items(current().store, clock.now())]
    assert kinds == ["escort_unconfirmed"]


def test_health_is_unhealthy_until_the_dispatcher_runs_and_again_when_it_stops(
    api: tuple[TestClient, FixedClock],
) -> None:
    http, clock = api
    res = http.get("/health")
    assert res.status_code == 503 and "never run" in res.json()["problem"]
    dispatch_tick(current().store, clock.now(), lambda r, t: None)
    assert http.get("/health").status_code == 200
    clock.set(BOOKED_AT + timedelta(seconds=3 * current().settings.dispatch_interval + 1))
    res = http.get("/health")
    assert res.status_code == 503 and "stopped" in res.json()["problem"]


def test_health_reports_each_channel_and_fails_when_one_fails_every_send(
    api: tuple[TestClient, FixedClock],
) -> None:
    http, clock = api
    ops = current().store.ops
    dispatch_tick(current().store, clock.now(), lambda r, t: None)
    body = http.get("/health").json()
    assert set(body["channels"]) == {"sms", "email"}
    assert body["channels"]["sms"] == {
        "configured": True,
        "last_success": None,
        "last_failure": None,
        "consecutive_failures": 0,
        "last_error": None,
    }
    ops.channel_succeeded("sms", clock.now())
    for _ in range(5):
        ops.channel_failed("sms", clock.now(), "20003: Authenticate")
    res = http.get("/health")
    assert res.status_code == 503
    assert res.json()["problem"] == "channel sms failed its last 5 sends (20003: Authenticate)"
    assert res.json()["channels"]["sms"]["last_success"] == clock.now().isoformat()
    ops.channel_succeeded("sms", clock.now())
    assert http.get("/health").status_code == 200


def test_patient_data_is_purged_after_the_retention_period_but_the_audit_trail_stays(
    api: tuple[TestClient, FixedClock],
    deliver_due: Callable[[FixedClock], list[str]],
) -> None:
    http, clock = api
    http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION)
    store = current().store
    for day in range(0, 16):
        clock.set(BOOKED_AT + timedelta(days=day, hours=12))
        deliver_due(clock)
    assert purge(store, clock.now(), days=30) == []
    phone = "+4915112345678"
    store.contacts.acknowledge("APT-1001", "escort", clock.now(), "YES my son Marco drives")
    store.contacts.record_reply(phone, "Can Marco come in with me?", clock.now(), ["APT-1001"])
    later = BOOKED_AT + timedelta(days=15 + 31)
    assert purge(store, later, days=30) == ["APT-1001"]
    assert store.appointments.snapshot("APT-1001") is None
    assert store.contacts.appointments_for_phone(phone) == []
    assert store.contacts.inbox() == [] and store.contacts.recent_acknowledgements() == []
    events = store.appointments.events("APT-1001")
    assert events[-1]["type"] == "purged"
    assert {"booked", "sent", "ack", "reply"} <= {e["type"] for e in events}
    assert "Maria" not in str(events) and "+49151" not in str(events)
    assert "Marco" not in str(events)


def test_under_a_warp_clock_health_counts_the_dispatchers_age_in_real_seconds(
    api: tuple[TestClient, FixedClock],
) -> None:
    http, _ = api
    sv = current()
    speed = 1000.0
    warp = WarpClock(BOOKED_AT, time.time(), speed)
    sv.clock = warp
    interval = sv.settings.dispatch_interval
    # The last tick ran two intervals ago in real time: 2 * interval * speed virtual seconds.
    sv.store.ops.record_dispatch_run(warp.now() - timedelta(seconds=2 * interval * speed), {})
    res = http.get("/health")
    assert res.status_code == 200, res.json()
    assert 2 * interval <= res.json()["dispatcher_age_seconds"] < 3 * interval
    sv.store.ops.record_dispatch_run(warp.now() - timedelta(seconds=4 * interval * speed), {})
    assert http.get("/health").status_code == 503
