"""reminders.env.example, the settings file Compose (.env) and systemd (reminders.env) are made
from: it names every setting of README "Settings", systemd and Compose read its lines the same
way, and its values start the service as they are."""

from __future__ import annotations

import os
import re

import pytest

from reminders import settings
from tests.factories import ROOT

EXAMPLE = (ROOT / "reminders.env.example").read_text(encoding="utf-8")
LINE = re.compile(r"^(#\s?)?([A-Z][A-Z0-9_]*)=(.*)$")


def readme_settings() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("### Settings", 1)[1].split("\n#", 1)[0]
    names: set[str] = set()
    for row in table.splitlines():
        if row.startswith("| `"):
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split("|")[1]))
    return names


def example_names() -> dict[str, bool]:
    """{name: set (not commented out)}"""
    out: dict[str, bool] = {}
    for line in EXAMPLE.splitlines():
        if m := LINE.match(line):
            out[m.group(2)] = not m.group(1)
    return out


def test_every_setting_of_the_readme_is_in_the_example() -> None:
    names = readme_settings()
    assert {"REDIS_URL", "SMTP_TIMEOUT", "REMINDERS_HL7_MAPPING"} <= names
    assert names - set(example_names()) == set()


def test_each_set_line_means_the_same_to_systemd_and_compose() -> None:
    for line in EXAMPLE.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        assert LINE.match(line), f"not NAME=value: {line!r}"
        # systemd keeps an inline comment as part of the value; Compose drops it.
        assert " #" not in line, f"inline comment: {line!r}"
        assert not re.search(r"[$\"'\\\\]", line.split("=", 1)[1]), f"needs quoting: {line!r}"


def test_the_examples_values_start_the_service(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in list(os.environ):
        if name.startswith(("REMINDERS_", "CLINIC_", "TWILIO_", "SMTP_", "API_TOKENS")):
            monkeypatch.delenv(name)
    for line in EXAMPLE.splitlines():
        if (m := LINE.match(line)) and not m.group(1):
            monkeypatch.setenv(m.group(2), m.group(3))
    loaded = settings.load()
    assert loaded.channels == ("outbox",)
    assert loaded.clinic.phone == "+1 555 0100"
