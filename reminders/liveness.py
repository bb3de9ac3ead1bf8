"""Whether a worker, beat or the MLLP listener is doing its job, for container healthchecks
(``reminders check ...``, docker-compose.yml).

``celery inspect ping`` cannot answer for these processes: workers run without the
remote-control mailbox (``worker_enable_remote_control = False`` in celeryconfig.py: with it, a
worker exits on a Redis restart, issue 10), and beat never had one. So each check looks at what
the process itself leaves behind:

- a worker started with ``--liveness-file PATH`` touches that file every ``TOUCH_EVERY``
  seconds from its consumer's event loop, and only while the consumer runs: the step is stopped
  while the broker connection is lost and started again once it is back. A fresh file means
  "this worker's main loop runs and takes tasks from the broker".
- beat's dispatch ticks leave the dispatcher's heartbeat in the store (``<prefix>:dispatch``,
  ``at``), the same heartbeat ``GET /health`` judges. A fresh one means "beat sends ticks and a
  worker runs them"; with every worker down beat's check fails too, and the workers' checks say
  which side is at fault.
"""

from __future__ import annotations

import logging
import socket
import time
from pathlib import Path
from typing import Any

from celery import bootsteps

log = logging.getLogger(__name__)

TOUCH_EVERY = 10.0  # seconds between touches of a worker's liveness file
WORKER_MAX_AGE = 60.0  # a file older than this: the worker's loop is stuck or disconnected
# As GET /health: the dispatcher is stale after three dispatch intervals without a tick.
DISPATCH_STALE_AFTER_INTERVALS = 3


def touch(path: Path) -> None:
    path.touch()


def file_age(path: Path, now: float | None = None) -> float | None:
    """Seconds since ``path`` was last touched, or None when there is no such file."""
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    return (time.time() if now is None else now) - mtime


def worker_problem(path: Path, max_age: float = WORKER_MAX_AGE) -> str:
    """Why the worker that touches ``path`` is not healthy, or "" when it is."""
    age = file_age(path)
    if age is None:
        return f"{path} does not exist: the worker has not taken tasks since it started"
    if age > max_age:
        return (
            f"{path} was last touched {age:.0f} s ago (more than {max_age:.0f} s): the worker "
            "is not taking tasks (broker connection lost, or its main loop is stuck)"
        )
    return ""


def dispatch_problem(age: float | None, dispatch_interval: float) -> str:
    """Why the dispatch ticks are not running, given the age in real seconds of the
    dispatcher's last run (None: it never ran), or "" when they are."""
    limit = DISPATCH_STALE_AFTER_INTERVALS * dispatch_interval
    if age is None:
        return "the dispatcher has never run: beat sent no tick yet, or no worker ran one"
    if age > limit:
        return (
            f"the dispatcher last ran {age:.0f} s ago (more than {limit:.0f} s, three dispatch "
            "intervals): beat is not sending ticks, or no worker runs them"
        )
    return ""


def port_problem(host: str, port: int, timeout: float = 3.0) -> str:
    """Why nothing accepts TCP connections at ``host:port``, or "" when something does."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return ""
    except OSError as exc:
        return f"nothing accepts connections at {host}:{port} ({exc.strerror or exc})"


class Liveness(bootsteps.StartStopStep):  # type: ignore[misc]
    """A worker consumer step touching ``--liveness-file`` while the consumer runs.

    It starts after the task consumer (so a fresh file means tasks are being taken) and the
    consumer stops it whenever the broker connection is lost, before it reconnects: a worker
    waiting for Redis lets its file go stale."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent: Any, liveness_file: str | None = None, **kwargs: Any) -> None:
        self.path = Path(liveness_file) if liveness_file else None
        self.enabled = self.path is not None
        self.tref: Any = None
        super().__init__(parent, **kwargs)

    def start(self, parent: Any) -> None:
        self._touch()
        self.tref = parent.timer.call_repeatedly(TOUCH_EVERY, self._touch, priority=10)

    def stop(self, parent: Any) -> None:
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None

    shutdown = stop

    def _touch(self) -> None:
        assert self.path is not None  # only enabled with a path
        try:
            touch(self.path)
        except OSError as exc:  # the healthcheck's file must never stop deliveries
            log.warning("cannot touch the liveness file %s: %s", self.path, exc)
