"""Shared fixtures: a real Redis (the one at REDIS_URL, else an embedded redis-server), a fresh
key prefix per test, the default schedule, and the HTTP app with a fixed clock and two tokens."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis
from fastapi.testclient import TestClient

from reminders.api.app import create_app
from reminders.clock import FixedClock
from reminders.devtools.embedded_redis import EmbeddedRedis, answers
from reminders.schedule import Schedule, find, load
from reminders.store import Store
from tests.factories import BOOKED_AT, INTEGRATION, STAFF
from tests.helpers import APPS, current


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    if answers(url):
        yield url
        return
    server = EmbeddedRedis().start()
    try:
        yield server.url
    finally:
        server.cleanup()


@pytest.fixture
def prefix() -> str:
    return f"test-{uuid.uuid4().hex[:10]}"


@pytest.fixture
def client(redis_url: str, prefix: str) -> Iterator[redis.Redis]:
    c = redis.Redis.from_url(redis_url)
    yield c
    keys = list(c.scan_iter(f"{prefix}:*", count=1000))
    for i in range(0, len(keys), 500):
        c.delete(*keys[i : i + 500])
    c.close()


@pytest.fixture
def store(client: redis.Redis, prefix: str) -> Store:
    return Store(client, prefix)


@pytest.fixture(scope="session")
def epidural() -> Schedule:
    return load(find("epidural_steroid_injection"))


@pytest.fixture
def api_env() -> dict[str, str]:
    """More environment for the HTTP app; a test module overrides this fixture to add some."""
    return {}


@pytest.fixture
def api(
    monkeypatch: pytest.MonkeyPatch,
    redis_url: str,
    prefix: str,
    client: redis.Redis,
    api_env: dict[str, str],
) -> Iterator[tuple[TestClient, FixedClock]]:
    """The HTTP app under test, against real Redis (``client`` removes the test's keys after
    it), with a fixed clock at BOOKED_AT, two tokens and the outbox channels."""
    # Rate limits out of the way unless a test module sets its own (test_rate_limits.py).
    for name in ("REMINDERS_RATE_TOKEN", "REMINDERS_RATE_ADDRESS", "REMINDERS_RATE_WEBHOOK"):
        monkeypatch.setenv(name, "1000000/minute")
    for name, value in api_env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("REMINDERS_KEY_PREFIX", prefix)
    monkeypatch.setenv("REMINDERS_CLOCK", f"fixed:{BOOKED_AT.isoformat()}")
    monkeypatch.setenv("API_TOKENS", f"integration:{INTEGRATION},staff:{STAFF}")
    monkeypatch.setenv("REMINDERS_CHANNELS", "outbox")
    monkeypatch.setenv("REMINDERS_OUTBOX_ECHO", "0")
    app = create_app()
    APPS.append(app)
    clock = current().clock
    assert isinstance(clock, FixedClock)
    try:
        with TestClient(app) as http:
            yield http, clock
    finally:
        APPS.remove(app)
        app.state.services.close()
