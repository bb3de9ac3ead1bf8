"""``reminders check beat`` (the beat container's healthcheck) judges the dispatcher's heartbeat
in the store as ``GET /health`` does: healthy while it is younger than three dispatch
intervals, unhealthy when it never ran, is older, or Redis does not answer. ``reminders check
settings`` loads what every process loads at start and names what is broken."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from reminders import cli
from reminders.devtools.embedded_redis import free_port
from reminders.store import Store
from tests.factories import BOOKED_AT


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, redis_url: str, prefix: str) -> None:
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("REMINDERS_KEY_PREFIX", prefix)
    monkeypatch.setenv("REMINDERS_DISPATCH_INTERVAL", "15")
    monkeypatch.setenv("REMINDERS_CLOCK", f"fixed:{BOOKED_AT.isoformat()}")


@pytest.mark.usefixtures("env")
def test_healthy_only_while_the_dispatcher_runs(
    store: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["check", "beat"]) == 1
    assert "never run" in capsys.readouterr().err
    store.ops.record_dispatch_run(BOOKED_AT - timedelta(seconds=44), {})
    assert cli.main(["check", "beat"]) == 0
    assert capsys.readouterr().out.strip() == "ok"
    store.ops.record_dispatch_run(BOOKED_AT - timedelta(seconds=46), {})
    assert cli.main(["check", "beat"]) == 1
    assert "last ran 46 s ago (more than 45 s" in capsys.readouterr().err


@pytest.mark.usefixtures("env")
def test_unhealthy_when_redis_does_not_answer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    assert cli.main(["check", "beat"]) == 1
    assert "Redis does not answer (ConnectionError)" in capsys.readouterr().err


@pytest.mark.usefixtures("env")
def test_the_settings_check_loads_what_a_worker_loads(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["check", "settings"]) == 0
    out = capsys.readouterr().out
    assert "schedules epidural_steroid_injection; channels email, sms; Redis answers" in out
    monkeypatch.setenv("REMINDERS_CHANNELS", "twilio")
    assert cli.main(["check", "settings"]) == 1
    assert "TWILIO_ACCOUNT_SID: needed by the twilio channel" in capsys.readouterr().err
    monkeypatch.setenv("REMINDERS_CHANNELS", "outbox")
    (tmp_path / "epidural_steroid_injection.toml").write_text("[[rules]]\nkey = 1\n")
    monkeypatch.setenv("REMINDERS_SCHEDULE_DIR", str(tmp_path))
    assert cli.main(["check", "settings"]) == 1
    assert "epidural_steroid_injection.toml" in capsys.readouterr().err
