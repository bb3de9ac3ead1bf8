"""A worker lives through a Redis restart (issue 10, cause 5): Redis is SIGKILLed while a
delivery is being sent and comes back from its append-only file on the same port a few seconds
later. The send in progress finishes, and new deliveries go through. The same worker process
does all of it; no supervisor restarts it.

The send in progress is held there by stopping the worker's pool processes (SIGSTOP) until Redis
is back, the way a slow provider call would hold it. The worker then has one delivery taken and
not yet acknowledged, and it is still waiting for more on the broker connection. That is the
moment Celery 5.7 with a remote-control mailbox (or gossip) fails at: kombu raises
``AttributeError: 'NoneType' object has no attribute 'hostname'`` and the worker exits.

No beat runs here, because its ticks would also wait at the stopped pool. The test plays the
dispatcher instead: it claims reminders and enqueues their delivery tasks, or it sends the
dispatch task itself. Every wait polls a condition (reminder states, the broker's unacked
messages, the pool's pipes). The one fixed time span is the outage itself. Linux only: the pool
processes are found, and their pipes read, through /proc."""

from __future__ import annotations

import array
import contextlib
import fcntl
import json
import os
import signal
import subprocess
import tempfile
import termios
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from celery import Celery

from reminders.booking import book
from reminders.channels.outbox import OutboxChannel
from reminders.clock import WarpClock
from reminders.devtools import celery_procs
from reminders.devtools.embedded_redis import EmbeddedRedis
from reminders.schedule import Schedule
from reminders.store import Store
from tests.factories import make_appointment

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs Linux's /proc"),
]
OUTAGE = 3.0  # seconds Redis stays down: a restart, as a supervisor or an operator does it
CONCURRENCY = 2  # one pool process busy sending, so the worker is still taking tasks


@dataclass
class Cluster:
    redis: EmbeddedRedis
    client: redis.Redis
    store: Store
    clock: WarpClock
    outbox: OutboxChannel
    sender: Celery
    queue: str
    worker: subprocess.Popen[bytes]
    workdir: Path

    def wait(self, ready: Callable[[], bool], what: str, timeout: float = 60) -> None:
        """Poll ``ready`` and fail with the worker's log if it exits or time runs out."""
        try:
            celery_procs.wait_until(ready, [self.worker], self.workdir, timeout)
        except RuntimeError as e:
            code = self.worker.poll()
            raise AssertionError(f"waiting for {what} (worker exit code {code}): {e}") from None


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    prefix = f"e2e-{uuid.uuid4().hex[:8]}"
    queue = f"{prefix}-queue"
    # A day-time moment in the patients' zone (UTC), so booking confirmations are due at once.
    clock = WarpClock(datetime(2027, 3, 15, 10, 0, tzinfo=UTC), time.time(), 1.0)
    with tempfile.TemporaryDirectory(prefix="reminders-redis-restart-") as tmp:
        workdir = Path(tmp)
        (workdir / "redis").mkdir()
        server = EmbeddedRedis(persistent=True, directory=workdir / "redis").start()
        env = {
            **os.environ,
            "REDIS_URL": server.url,
            "CELERY_BROKER_URL": server.url,
            "REMINDERS_KEY_PREFIX": prefix,
            "REMINDERS_QUEUE": queue,
            "REMINDERS_CLOCK": clock.spec(),
            "REMINDERS_CHANNELS": "outbox",
            "REMINDERS_OUTBOX_ECHO": "0",
        }
        client = redis.Redis.from_url(server.url, socket_timeout=5)
        store = Store(client, prefix)
        worker = celery_procs.start_worker(env, workdir, concurrency=CONCURRENCY)
        try:
            yield Cluster(
                server,
                client,
                store,
                clock,
                OutboxChannel("sms", store.outbox, clock, echo=None),
                Celery(broker=server.url),
                queue,
                worker,
                workdir,
            )
        finally:
            resume(pool_processes(worker.pid))  # a stopped pool would hold up the shutdown
            celery_procs.stop([worker])
            client.close()
            server.stop()


def pool_processes(pid: int) -> list[int]:
    """The worker's pool processes: its children, from /proc."""
    children = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:  # field 4, after "(comm)"
            children.append(int(entry.name))
    return children


def resume(pids: list[int]) -> None:
    for p in pids:
        with contextlib.suppress(ProcessLookupError):
            os.kill(p, signal.SIGCONT)


def book_due_now(c: Cluster, epidural: Schedule, name: str) -> str:
    """Book an appointment whose booking confirmation (one SMS) is due now; its external id."""
    aid = f"{name}-{uuid.uuid4().hex[:6]}"
    now = c.clock.now()
    appt = make_appointment(
        external_id=aid,
        patient__timezone="UTC",
        patient__email="",
        procedure__start=(now + timedelta(days=5)).isoformat(),
        medications=[],
    )
    book(c.store, appt, epidural, now)
    return aid


def claim_and_enqueue(c: Cluster, aid: str) -> list[str]:
    """Do what a dispatch tick does for ``aid``: claim what is due, enqueue its deliveries."""
    mine = [
        (rid, token)
        for rid, token in c.store.reminders.claim_due(c.clock.now(), 50, 3600)
        if rid.startswith(aid + ":")
    ]
    assert mine, f"nothing of {aid} was due"
    for rid, token in mine:
        c.sender.send_task("reminders.deliver", (rid, token), queue=c.queue)
    return [rid for rid, _ in mine]


def sent(c: Cluster, rids: list[str]) -> bool:
    return all(getattr(c.store.reminders.get(r), "state", None) == "sent" for r in rids)


def taken_not_acknowledged(c: Cluster, rid: str) -> bool:
    """The worker holds the delivery task for ``rid``: out of the queue, in kombu's record of
    unacknowledged messages (the task acknowledges late, after it ran)."""
    held = [json.loads(raw)[0] for raw in c.client.hvals("unacked")]
    return c.client.llen(c.queue) == 0 and any(
        m["headers"].get("task") == "reminders.deliver"
        and f"'{rid}'" in m["headers"].get("argsrepr", "")
        for m in held
    )


def waiting_in_pipes(pids: list[int]) -> int:
    """Bytes in the pipes of these (stopped) pool processes: a job the worker handed over and
    the process has not read yet. Read through /proc, without taking anything out."""
    total = 0
    for pid in pids:
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                if not os.readlink(fd).startswith("pipe:"):
                    continue
                own = os.open(fd, os.O_RDONLY | os.O_NONBLOCK)
            except OSError:
                continue
            try:
                count = array.array("i", [0])
                fcntl.ioctl(own, termios.FIONREAD, count)
                total += count[0]
            finally:
                os.close(own)
    return total


def delivered(c: Cluster, rid: str) -> int:
    return sum(1 for m in c.outbox.messages() if m["reminder"] == rid)


def test_a_worker_keeps_delivering_after_redis_restarts_under_a_send_in_progress(
    cluster: Cluster, epidural: Schedule
) -> None:
    c = cluster
    pid = c.worker.pid

    before = claim_and_enqueue(c, book_due_now(c, epidural, "BEFORE"))
    c.wait(lambda: sent(c, before), "a delivery before the restart")

    # A send in progress: the worker has taken the task, its pool process is stopped in it.
    pool = pool_processes(pid)
    assert len(pool) == CONCURRENCY
    for p in pool:
        os.kill(p, signal.SIGSTOP)
    try:
        c.wait(lambda: waiting_in_pipes(pool) == 0, "the pool's pipes to be empty")
        (during,) = claim_and_enqueue(c, book_due_now(c, epidural, "DURING"))
        c.wait(lambda: taken_not_acknowledged(c, during), "the worker to take the delivery")
        # ... and hand it to a pool process. Celery drops a job it has not handed over yet when
        # the connection breaks (the broker redelivers it, here after an hour).
        c.wait(lambda: waiting_in_pipes(pool) > 0, "the delivery to reach a pool process")

        assert c.redis.proc is not None
        c.redis.proc.send_signal(signal.SIGKILL)
        c.redis.proc.wait(10)
        threading.Event().wait(OUTAGE)  # the outage itself, not a wait for anything
        c.redis.start()  # the same port, the same append-only file
        assert c.store.reminders.get(during).state == "claimed"  # type: ignore[union-attr]
    finally:
        resume(pool)

    c.wait(lambda: sent(c, [during]), "the send in progress to finish after the restart")
    after = book_due_now(c, epidural, "AFTER")
    # The worker's own dispatcher, on the dispatch queue, claims and enqueues this one.
    c.sender.send_task("reminders.dispatch_due", queue=f"{c.queue}.dispatch")
    c.wait(
        lambda: sent(c, [f"{after}:1:booking_confirmation:-:sms"]),
        "a delivery booked after the restart",
    )

    assert c.worker.poll() is None, "the worker exited"  # the same process, never restarted
    for rid in [*before, during, f"{after}:1:booking_confirmation:-:sms"]:
        assert delivered(c, rid) == 1, rid
