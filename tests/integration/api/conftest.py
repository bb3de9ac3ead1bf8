"""Fixtures for the HTTP app's tests (the app is the ``api`` fixture of tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reminders.clock import FixedClock
from reminders.delivery import deliver, dispatch_tick
from tests.helpers import current

DeliverDue = Callable[[FixedClock], list[str]]  # what the deliver_due fixture gives


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
