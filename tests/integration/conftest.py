"""Fixtures for tests against real Redis and fake servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.twilio import FakeTwilio


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    """A running fake Twilio API (test_webhooks overrides it with one that posts callbacks)."""
    server = FakeTwilio().start()
    yield server
    server.stop()
