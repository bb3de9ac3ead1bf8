"""Settings: every duration is a whole number of seconds from the environment, and a malformed
one stops the process naming the variable."""

from __future__ import annotations

import pytest

from reminders import settings, wiring
from reminders.settings import ImproperlyConfigured


def test_the_reconcile_delay_reaches_the_delivery_policy(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REMINDERS_RECONCILE_DELAY", "45")
    services = wiring.build()
    try:
        assert services.settings.reconcile_delay == 45
        assert services.delivery.reconcile_delay == 45
    finally:
        services.close()


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("REMINDERS_RECONCILE_DELAY", "soon", "expected a whole number"),
        ("REMINDERS_RECONCILE_DELAY", "0", "must be at least 1"),
        ("REMINDERS_CLAIM_LEASE", "-5", "must be at least 1"),
        ("REMINDERS_DISPATCH_INTERVAL", "0.01", "must be at least 0.05"),
    ],
)
def test_a_malformed_duration_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=f"^{name}: {says}"):
        settings.load()
