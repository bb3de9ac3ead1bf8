"""The worker, beat and API refuse to start on a clinic's schedule folder they cannot use, naming
the variable or the file, line, rule and field (issue 12, item 12). The real entry points, as
Docker Compose and systemd start them (tests/unit/test_packaging.py does the same from a fresh
install); nothing here reaches Redis: each process stops before it connects."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
NOWHERE = "redis://127.0.0.1:1/0"
SERVICES = pytest.mark.parametrize(
    "command",
    [
        ["celery", "-A", "reminders.celery_app", "worker", "--pool=solo", "--without-gossip",
         "--without-mingle"],
        ["celery", "-A", "reminders.celery_app", "beat", "--schedule", "beat-schedule"],
        ["reminders", "serve", "--port", "1"],
    ],
    ids=["worker", "beat", "api"],
)  # fmt: skip
BROKEN = """\
procedure = "epidural_steroid_injection"

[[rules]]
key = "booking_confirmation"
message = "booking_confirmation"
anchor = "booking"
offset = { minutes = 0, at = "25:00" }
channels = ["sms"]
"""


def start(command: list[str], cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("REMINDERS_")}
    try:
        return subprocess.run(
            [str(BIN / command[0]), *command[1:]],
            cwd=cwd,
            # A queue of its own and an unreachable broker: a process that did start would
            # take nothing from anyone; it runs until the timeout and the test fails.
            env={
                **clean,
                "REMINDERS_QUEUE": "startup-test",
                "REDIS_URL": NOWHERE,
                "CELERY_BROKER_URL": NOWHERE,
                **env,
            },
            capture_output=True,
            text=True,
            timeout=45,
            check=False,
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"{command[0]} {' '.join(command[3:5])} started instead of refusing to")


@SERVICES
def test_a_broken_schedule_file_stops_every_service_at_start_naming_file_line_rule_and_field(
    tmp_path: Path, command: list[str]
) -> None:
    folder = tmp_path / "schedules"
    folder.mkdir()
    broken = folder / "epidural_steroid_injection.toml"
    broken.write_text(BROKEN, encoding="utf-8")
    done = start(command, tmp_path, REMINDERS_SCHEDULE_DIR=str(folder))
    assert done.returncode != 0
    assert f"{broken}:7, rule 'booking_confirmation', field 'offset': " in done.stderr


@SERVICES
def test_a_mistyped_schedule_folder_stops_every_service_at_start(
    tmp_path: Path, command: list[str]
) -> None:
    missing = tmp_path / "schedulse"
    done = start(command, tmp_path, REMINDERS_SCHEDULE_DIR=str(missing))
    assert done.returncode != 0
    assert f"REMINDERS_SCHEDULE_DIR: no such folder: {missing}" in done.stderr
