"""Shared fixtures: a real Redis (the one at REDIS_URL, else an embedded redis-server), a fresh
key prefix per test, and sample appointments."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
import redis

from reminders.devtools.embedded_redis import EmbeddedRedis, answers
from reminders.schedule import Schedule, find, load
from reminders.store import Store


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
