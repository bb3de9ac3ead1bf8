"""The HTTP app under test, against real Redis, with a fixed clock and two tokens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient

from reminders import runtime
from reminders.api import auth
from reminders.api.app import create_app
from reminders.clock import FixedClock

INTEGRATION = "integration-token-0123456789"
STAFF = "staff-token-abcdefghijklmnop"
AS_INTEGRATION = {"Authorization": f"Bearer {INTEGRATION}"}
AS_STAFF = {"Authorization": f"Bearer {STAFF}"}


def app_client(
    monkeypatch: pytest.MonkeyPatch, redis_url: str, prefix: str, now: datetime
) -> Iterator[tuple[TestClient, FixedClock]]:
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("REMINDERS_KEY_PREFIX", prefix)
    monkeypatch.setenv("REMINDERS_CLOCK", f"fixed:{now.isoformat()}")
    monkeypatch.setenv("API_TOKENS", f"integration:{INTEGRATION},staff:{STAFF}")
    monkeypatch.setenv("REMINDERS_CHANNELS", "outbox")
    monkeypatch.setenv("REMINDERS_OUTBOX_ECHO", "0")
    runtime.reset()
    auth.tokens.cache_clear()
    clock = runtime.clock()
    assert isinstance(clock, FixedClock)
    with TestClient(create_app()) as client:
        yield client, clock
    runtime.reset()
    auth.tokens.cache_clear()
