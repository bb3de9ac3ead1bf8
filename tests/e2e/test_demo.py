"""The main job, as a newcomer runs it: the demo plays its timelines and exits cleanly."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def test_the_demo_delivers_every_patients_timeline_and_stops_what_it_started(
    redis_url: str,
) -> None:
    env = {**os.environ, "REDIS_URL": redis_url}
    done = subprocess.run(
        [sys.executable, "-m", "reminders.cli", "demo", "--seconds", "12"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    out = done.stdout
    assert "Worker and beat are running." in out
    assert "(de) " in out and "(es) " in out and "(zh_Hans) " in out
    assert "staff cancelled DEMO-NYC" in out and "staff moved DEMO-MEX" in out
    assert "none early: True" in out
    assert " scheduled " not in out.split("appointment ", 1)[1]  # every reminder settled
