"""``reminders check beat`` (the beat container's healthcheck) judges the dispatcher's heartbeat
in the store as ``GET /health`` does: healthy while it is younger than three dispatch
intervals, unhealthy when it never ran, is older, or Redis does not answer."""

from __future__ import annotations

from datetime import timedelta

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
