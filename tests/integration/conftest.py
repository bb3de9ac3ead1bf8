"""Fixtures for tests against real Redis and fake servers."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from reminders.clock import FixedClock
from reminders.delivery import deliver, dispatch_tick
from tests.fakes.twilio import FakeTwilio
from tests.helpers import current

DeliverDue = Callable[[FixedClock], list[str]]  # what the deliver_due fixture gives


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    """A running fake Twilio API (test_webhooks overrides it with one that posts callbacks)."""
    server = FakeTwilio().start()
    yield server
    server.stop()


@pytest.fixture
def deliver_due(api: object) -> DeliverDue:
    """Claim what is due at the app's clock and deliver it through the app's Services (store,
    channels, config): the outcome of each, in claim order."""

    def run(clock: FixedClock) -> list[str]:
        pairs: list[tuple[str, str]] = []
        dispatch_tick(current().store, clock.now(), lambda r, t: pairs.append((r, t)))
        return [
            deliver(current().store, r, t, current().channels, clock.now, current().delivery)
            for r, t in pairs
        ]

    return run
