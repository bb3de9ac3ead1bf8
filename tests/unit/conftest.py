"""Unit tests never touch Redis: asking for it (directly or through client, store or api)
fails the test."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def redis_url() -> str:
    pytest.fail("a unit test asked for Redis: move it under tests/integration/")
