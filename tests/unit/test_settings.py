"""Settings: every duration is a whole number of seconds from the environment, and a malformed
one stops the process naming the variable."""

from __future__ import annotations

import re
from pathlib import Path

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
        ("REMINDERS_LOOKUP_GIVE_UP", "later", "expected a whole number"),
        ("REMINDERS_LOOKUP_WINDOW", "0", "must be at least 1"),
        ("REMINDERS_DISPATCH_LOCK", "x", "expected a number"),
        ("REMINDERS_MAX_UNSTARTED_CLAIMS", "0", "must be at least 1"),
    ],
)
def test_a_malformed_duration_names_its_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=f"^{name}: {says}"):
        settings.load()


def test_durations_are_real_seconds_even_under_a_warp_clock(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Leases and lookups are about workers and the provider, which do not run faster.
    monkeypatch.setenv("REMINDERS_CLOCK", "warp:2027-03-15T10:00:00Z@1700000000x60")
    monkeypatch.setenv("REMINDERS_SEND_LEASE", "30")
    monkeypatch.setenv("REMINDERS_LOOKUP_GIVE_UP", "600")
    services = wiring.build()
    try:
        assert services.delivery.send_lease == 30 * 60
        assert services.delivery.lookup_give_up == 600 * 60
    finally:
        services.close()


def test_a_send_lease_shorter_than_the_providers_timeouts_stops_the_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "REMINDERS_CHANNELS": "twilio",
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": "secret",
        "TWILIO_FROM_NUMBER": "+15550100",
        "PUBLIC_BASE_URL": "https://reminders.example.org",
        "REMINDERS_FINGERPRINT_KEY": "k" * 32,
        "TWILIO_TIMEOUT_READ": "15",
        "REMINDERS_SEND_LEASE": "10",
    }.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=r"^REMINDERS_SEND_LEASE: 10 s is shorter"):
        settings.load()
    monkeypatch.setenv("REMINDERS_SEND_LEASE", "30")
    assert settings.load().send_lease == 30


def test_every_variable_the_settings_read_is_documented_in_the_readme() -> None:
    root = Path(__file__).resolve().parents[2]
    code = (root / "reminders" / "settings.py").read_text(encoding="utf-8")
    read = set(
        re.findall(
            r'"((?:REMINDERS|TWILIO|SMTP|SMS|CLINIC|REDIS|CELERY|PUBLIC|API|EMAIL)_[A-Z_]+|REDIS_URL)"',
            code,
        )
    )
    readme = (root / "README.md").read_text(encoding="utf-8")
    assert read, "no variable names found in settings.py"
    assert sorted(v for v in read if f"`{v}`" not in readme) == []
