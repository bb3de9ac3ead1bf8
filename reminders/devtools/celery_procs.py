"""Start and stop a Celery worker and beat as child processes (for the demo, the end-to-end
tests and the benchmark, which all need the real thing)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

CELERY = [sys.executable, "-m", "celery", "-A", "reminders.celery_app"]


def start_worker(
    env: dict[str, str],
    workdir: Path,
    *,
    concurrency: int = 2,
    name: str = "worker",
    extra: Sequence[str] = (),
) -> subprocess.Popen[bytes]:
    queue = env.get("REMINDERS_QUEUE", "reminders")
    args = [
        *CELERY,
        "worker",
        f"--concurrency={concurrency}",
        "--loglevel=WARNING",
        "-Q",
        f"{queue},{queue}.dispatch",  # deliveries, and the dispatch ticks (celeryconfig)
        "--without-gossip",
        "--without-mingle",
        "--hostname",
        f"{name}-{os.getpid()}@%h",
        *extra,
    ]
    return _spawn(args, env, workdir / f"{name}.log")


def start_beat(
    env: dict[str, str], workdir: Path, *, name: str = "beat"
) -> subprocess.Popen[bytes]:
    args = [*CELERY, "beat", "--loglevel=WARNING", "--schedule", str(workdir / f"{name}-schedule")]
    return _spawn(args, env, workdir / f"{name}.log")


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(args, env=env, stdout=out, stderr=subprocess.STDOUT)


def wait_until(
    ready: Callable[[], bool],
    procs: list[subprocess.Popen[bytes]],
    workdir: Path,
    timeout: float = 60,
) -> None:
    """Wait for ``ready``; fail with the processes' logs if one dies or time runs out."""
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline or any(p.poll() is not None for p in procs):
            logs = "\n".join(
                f"--- {f.name}\n{f.read_text(errors='replace')[-2000:]}"
                for f in sorted(workdir.glob("*.log"))
            )
            raise RuntimeError(f"Celery processes did not become ready:\n{logs}")
        time.sleep(0.05)


def stop(procs: list[subprocess.Popen[bytes]], timeout: float = 15) -> None:
    for p in procs:
        if p.poll() is None:
            p.terminate()
    for p in procs:
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(5)
