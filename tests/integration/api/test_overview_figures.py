"""A real booking and delivery through the app show in the overview's last 30 days."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient

from reminders.clock import FixedClock
from reminders.staff.overview import last_days
from tests.factories import AS_INTEGRATION, BOOKED_AT, appointment_data
from tests.helpers import current

BERLIN = ZoneInfo("Europe/Berlin")


def test_a_real_delivery_shows_in_the_last_30_days(
    api: tuple[TestClient, FixedClock], deliver_due: Callable[[FixedClock], list[str]]
) -> None:
    http, clock = api
    http.post("/appointments", json=appointment_data(), headers=AS_INTEGRATION)
    clock.set(BOOKED_AT + timedelta(seconds=20))
    assert deliver_due(clock) == ["sent", "sent"]
    days = last_days(current().store, clock.now(), BERLIN)
    assert len(days) == 30 and days[-1].day == BOOKED_AT.astimezone(BERLIN).date()
    today = days[-1]
    assert today.sent == {"sms": 1, "email": 1} and today.failed == {"sms": 0, "email": 0}
    assert today.segments >= 1 and today.languages == {"de": 2}
    assert today.lag_mean is not None and 20 <= today.lag_mean < 60
    assert all(not d.sent["sms"] for d in days[:-1])
