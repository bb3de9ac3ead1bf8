"""``reminders preview --json`` prints JSON Lines, one object per reminder (README, "Configure
schedules"), and they are the objects ``GET /schedules/{name}/preview`` answers as one array."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from reminders import cli
from reminders.clock import FixedClock
from tests.factories import AS_INTEGRATION


def test_the_cli_prints_one_object_per_line_the_same_as_the_api(
    api: tuple[TestClient, FixedClock], capsys: pytest.CaptureFixture[str]
) -> None:
    http, _ = api
    medication = "Apixaban:2027-03-25:2027-03-29"
    argv = ["preview", "--procedure-at", "2027-03-28T09:00", "--tz", "Europe/Berlin"]
    argv += ["--locale", "de", "--duration", "45", "--medication", medication]
    assert cli.main([*argv, "--now", "2027-03-20T10:00Z", "--json"]) == 0
    lines = capsys.readouterr().out.splitlines()
    printed = [json.loads(line) for line in lines]  # each line is one whole JSON object
    assert len(printed) > 5 and all(isinstance(p, dict) for p in printed)
    res = http.get(
        "/schedules/epidural_steroid_injection/preview",
        headers=AS_INTEGRATION,
        params={
            "procedure_at": "2027-03-28T09:00",
            "tz": "Europe/Berlin",
            "locale": "de",
            "duration": 45,
            "medication": medication,
            "now": "2027-03-20T10:00:00Z",
        },
    )
    assert res.status_code == 200, res.text
    assert printed == res.json()
