"""The healthchecks' judgements (``reminders check ...``), without a worker or Redis: a worker's
liveness file by its age, the dispatcher's heartbeat by its age, a listener by a connection."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

import pytest

from reminders import cli, liveness


def test_a_worker_is_healthy_while_its_file_is_fresh(tmp_path: Path) -> None:
    alive = tmp_path / "alive"
    assert "does not exist" in liveness.worker_problem(alive)
    liveness.touch(alive)
    assert liveness.worker_problem(alive) == ""
    old = time.time() - liveness.WORKER_MAX_AGE - 5
    os.utime(alive, (old, old))
    assert "not taking tasks" in liveness.worker_problem(alive)
    # A touch every TOUCH_EVERY seconds keeps a worker well inside the default age.
    assert liveness.WORKER_MAX_AGE >= 3 * liveness.TOUCH_EVERY


def test_the_worker_check_exits_1_saying_why(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    alive = tmp_path / "alive"
    assert cli.main(["check", "worker", "--liveness-file", str(alive)]) == 1
    assert "does not exist" in capsys.readouterr().err
    liveness.touch(alive)
    assert cli.main(["check", "worker", "--liveness-file", str(alive)]) == 0
    assert capsys.readouterr().out.strip() == "ok"
    old = time.time() - 30
    os.utime(alive, (old, old))
    assert cli.main(["check", "worker", "--liveness-file", str(alive), "--max-age", "20"]) == 1
    assert "last touched 30 s ago" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("age", "healthy"), [(None, False), (0.0, True), (44.0, True), (46.0, False)]
)
def test_the_dispatcher_is_stale_after_three_intervals(age: float | None, healthy: bool) -> None:
    assert (liveness.dispatch_problem(age, 15.0) == "") is healthy


def test_a_listener_is_healthy_while_it_accepts(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        port = server.getsockname()[1]
        assert cli.main(["check", "mllp", "--port", str(port)]) == 0
    assert cli.main(["check", "mllp", "--port", str(port)]) == 1
    assert f"nothing accepts connections at 127.0.0.1:{port}" in capsys.readouterr().err
