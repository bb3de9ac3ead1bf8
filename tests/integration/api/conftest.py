"""Fixtures for the HTTP app's tests (the app is the ``api`` fixture of tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from reminders import runtime
from reminders.clock import FixedClock
from reminders.dispatch import deliver, dispatch_tick

DeliverDue = Callable[[FixedClock], list[str]]  # what the deliver_due fixture gives


@pytest.fixture
def deliver_due(api: object) -> DeliverDue:
    """Claim what is due at the app's clock and deliver it through the app's runtime (store,
    channels, config): the outcome of each, in claim order."""

    def run(clock: FixedClock) -> list[str]:
        pairs: list[tuple[str, str]] = []
        dispatch_tick(runtime.store(), clock.now(), lambda r, t: pairs.append((r, t)))
        return [
            deliver(runtime.store(), r, t, runtime.channels(), clock.now, runtime.delivery_config())
            for r, t in pairs
        ]

    return run
