"""The containers' healthchecks tell the truth about real processes (docker-compose.yml):
``reminders check worker`` about a worker started with ``--liveness-file``, ``reminders check
beat`` about beat's dispatch ticks. Both are healthy once the processes run, unhealthy while
Redis is down (the worker's consumer stops touching its file while it has no broker), and
healthy again once Redis is back, with the same processes.

Every wait polls the checks themselves; the outage lasts as long as it takes the worker's file
to go stale (``--max-age`` just above the touch interval)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from reminders import liveness
from reminders.devtools import celery_procs
from reminders.devtools.embedded_redis import EmbeddedRedis
from tests.helpers import wait_until

pytestmark = pytest.mark.slow
MAX_AGE = liveness.TOUCH_EVERY + 3  # stale soon after the first touch that does not come


@dataclass
class Cluster:
    redis: EmbeddedRedis
    env: dict[str, str]
    alive: Path
    procs: list[subprocess.Popen[bytes]]
    workdir: Path

    def check(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "reminders.cli", "check", *args],
            check=False,  # the exit code is the answer
            env=self.env,
            capture_output=True,
            text=True,
            timeout=30,
        )

    def worker_ok(self) -> bool:
        args = ("worker", "--liveness-file", str(self.alive), "--max-age", str(MAX_AGE))
        return self.check(*args).returncode == 0

    def beat_ok(self) -> bool:
        return self.check("beat").returncode == 0

    def logs(self) -> str:
        return "\n".join(
            f"--- {f.name}\n{f.read_text(errors='replace')[-2000:]}"
            for f in sorted(self.workdir.glob("*.log"))
        )


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with tempfile.TemporaryDirectory(prefix="reminders-health-") as tmp:
        workdir = Path(tmp)
        server = EmbeddedRedis(directory=workdir / "redis")
        server.dir.mkdir()
        server.start()
        prefix = f"health-{uuid.uuid4().hex[:8]}"
        env = {
            **os.environ,
            "REDIS_URL": server.url,
            "CELERY_BROKER_URL": server.url,
            "REMINDERS_KEY_PREFIX": prefix,
            "REMINDERS_QUEUE": f"{prefix}-queue",
            "REMINDERS_DISPATCH_INTERVAL": "1",
            "REMINDERS_CHANNELS": "outbox",
            "REMINDERS_OUTBOX_ECHO": "0",
        }
        alive = workdir / "worker.alive"
        procs = [
            celery_procs.start_worker(
                env, workdir, concurrency=1, extra=["--liveness-file", str(alive)]
            ),
            celery_procs.start_beat(env, workdir),
        ]
        c = Cluster(server, env, alive, procs, workdir)
        try:
            yield c
        finally:
            celery_procs.stop(procs)
            c.redis.stop()  # the one started again after the outage
            server.cleanup()


def test_the_checks_follow_a_redis_outage(cluster: Cluster) -> None:
    c = cluster
    try:
        wait_until(c.worker_ok, 60, "the worker's liveness file")
        wait_until(c.beat_ok, 60, "a dispatch tick")
        port = c.redis.port
        c.redis.stop()
        # Nobody touches the file while the consumer waits for its broker.
        wait_until(lambda: not c.beat_ok(), 30, "the beat check to see Redis gone")
        wait_until(lambda: not c.worker_ok(), 2 * MAX_AGE, "the worker's file to go stale")
        assert (
            "not taking tasks"
            in c.check("worker", "--liveness-file", str(c.alive), "--max-age", str(MAX_AGE)).stderr
        )
        c.redis = EmbeddedRedis(port=port, directory=c.redis.dir).start()
        wait_until(c.worker_ok, 90, "the worker to take tasks again")
        wait_until(c.beat_ok, 90, "dispatch ticks again")
        assert all(p.poll() is None for p in c.procs), "a process exited instead of waiting"
    except AssertionError:
        print(c.logs())
        raise
