"""The HTTP app under test, against real Redis, with a fixed clock and two tokens."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from reminders import wiring
from reminders.api.app import create_app
from reminders.clock import FixedClock

INTEGRATION = "integration-token-0123456789"
STAFF = "staff-token-abcdefghijklmnop"
AS_INTEGRATION = {"Authorization": f"Bearer {INTEGRATION}"}
AS_STAFF = {"Authorization": f"Bearer {STAFF}"}
_apps: list[FastAPI] = []


def current() -> wiring.Services:
    """The Services of the app under test."""
    services: wiring.Services = _apps[-1].state.services
    return services


def rebuild() -> None:
    """Build the app's Services again from the environment (a test changed a setting)."""
    _apps[-1].state.services = wiring.build()


def app_client(
    monkeypatch: pytest.MonkeyPatch, redis_url: str, prefix: str, now: datetime
) -> Iterator[tuple[TestClient, FixedClock]]:
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("REMINDERS_KEY_PREFIX", prefix)
    monkeypatch.setenv("REMINDERS_CLOCK", f"fixed:{now.isoformat()}")
    monkeypatch.setenv("API_TOKENS", f"integration:{INTEGRATION},staff:{STAFF}")
    monkeypatch.setenv("REMINDERS_CHANNELS", "outbox")
    monkeypatch.setenv("REMINDERS_OUTBOX_ECHO", "0")
    app = create_app()
    _apps.append(app)
    clock = current().clock
    assert isinstance(clock, FixedClock)
    try:
        with TestClient(app) as client:
            yield client, clock
    finally:
        _apps.remove(app)
        current_services: wiring.Services = app.state.services
        current_services.close()
