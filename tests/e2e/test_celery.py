"""A real Celery worker and two beats (a second beat must be harmless) on an injected fast clock
deliver a booked appointment's reminders in order, on time and once.

Nothing here sleeps for a fixed time: every wait polls a condition in Redis (reminder states,
the beat's heartbeat in ``<prefix>:dispatch``, the broker's queue and unacknowledged tasks)."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis
from celery import Celery

from reminders.booking import book, cancel
from reminders.channels.outbox import OutboxChannel
from reminders.clock import WarpClock
from reminders.devtools import celery_procs
from reminders.model import ReminderState
from reminders.schedule import Schedule
from reminders.store import Store
from tests.factories import make_appointment
from tests.helpers import wait_until

pytestmark = pytest.mark.slow
SPEED = 10_000  # one real second is 2.8 virtual hours
TICK = 0.1  # real seconds between dispatch ticks
TERMINAL = {"sent", "skipped", "cancelled", "failed", "flagged"}


@dataclass
class Running:
    client: redis.Redis
    store: Store
    clock: WarpClock
    outbox: OutboxChannel
    sender: Celery
    queue: str


@pytest.fixture(scope="module")
def running(redis_url: str) -> Iterator[Running]:
    prefix = f"e2e-{uuid.uuid4().hex[:8]}"
    queue = f"{prefix}-queue"
    clock = WarpClock(datetime.now(UTC), time.time(), SPEED)
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "REMINDERS_KEY_PREFIX": prefix,
        "REMINDERS_QUEUE": queue,
        "REMINDERS_CLOCK": clock.spec(),
        "REMINDERS_DISPATCH_INTERVAL": str(TICK),
        "REMINDERS_CHANNELS": "outbox",
        "REMINDERS_OUTBOX_ECHO": "0",
    }
    client = redis.Redis.from_url(redis_url)
    store = Store(client, prefix)
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        procs: list[subprocess.Popen[bytes]] = []
        try:
            procs.append(celery_procs.start_worker(env, workdir))
            procs.append(celery_procs.start_beat(env, workdir, name="beat-1"))
            procs.append(celery_procs.start_beat(env, workdir, name="beat-2"))
            celery_procs.wait_until(
                lambda: store.ops.last_dispatch_run() is not None, procs, workdir
            )
            yield Running(
                client,
                store,
                clock,
                OutboxChannel("sms", Store(client, prefix).outbox, clock, echo=None),
                Celery(broker=redis_url),
                queue,
            )
        finally:
            celery_procs.stop(procs)
            keys = [*client.scan_iter(f"{prefix}:*"), queue.encode()]
            client.delete(*keys)


def settled(store: Store, aid: str) -> bool:
    snap = store.appointments.snapshot(aid)
    return snap is not None and all(r.state in TERMINAL for r in snap.reminders)


def heartbeat(running: Running) -> datetime:
    """The virtual time of the last dispatch tick (beat writes it after enqueueing what it
    claimed)."""
    at = running.store.ops.last_dispatch_run()
    assert at is not None
    return at


def delivery_tasks(running: Running, aid: str) -> int:
    """Delivery tasks for ``aid``'s reminders that the worker has not finished: still in the
    broker queue, or taken and not yet acknowledged (the task acknowledges late, after it ran;
    kombu keeps such messages in its ``unacked`` hash)."""
    r = running.client
    queued = [json.loads(raw) for raw in r.lrange(running.queue, 0, -1)]
    taken = [json.loads(raw) for raw in r.hvals("unacked")]
    messages = queued + [m for m, _, key in taken if key == running.queue]
    return sum(
        1
        for m in messages
        if m["headers"].get("task") in ("reminders.deliver", "reminders.deliver_batch")
        and f"'{aid}:" in m["headers"].get("argsrepr", "")
    )


def outbox_count(running: Running, aid: str) -> int:
    return sum(1 for m in running.outbox.messages() if m["reminder"].startswith(aid + ":"))


def wait_until_drained(running: Running, aid: str, timeout: float = 30) -> None:
    """No delivery task for ``aid`` is queued or running, and over the next two dispatch ticks
    none shows up and the outbox gets nothing more for ``aid`` (a task on its way from the queue
    to the worker's unacked record would show by then)."""
    deadline = time.monotonic() + timeout
    while True:
        wait_until(
            lambda: delivery_tasks(running, aid) == 0,
            timeout,
            f"the worker to finish {aid}'s tasks",
        )
        sent = outbox_count(running, aid)
        for _ in range(2):
            before = heartbeat(running)
            wait_until(
                lambda before=before: heartbeat(running) > before, 10, "the next dispatch tick"
            )
        if delivery_tasks(running, aid) == 0 and outbox_count(running, aid) == sent:
            return
        assert time.monotonic() < deadline, f"{aid}'s delivery tasks never settled"


@dataclass
class Cancelled:
    aid: str
    horizon: datetime  # the original timeline is over: 2.5 days on, and past every due time


@pytest.fixture(scope="module", autouse=True)
def cancelled(running: Running, epidural: Schedule) -> Cancelled:
    """An appointment booked and cancelled at once, when the module starts: its original
    timeline plays out while the other tests wait for theirs, and the cancellation test checks
    it has passed (polling the beat's heartbeat) before it looks."""
    now = running.clock.now()
    aid = f"CAN-{uuid.uuid4().hex[:6]}"
    planned = book(
        running.store,
        make_appointment(
            external_id=aid, procedure__start=(now + timedelta(days=1)).isoformat(), medications=[]
        ),
        epidural,
        now,
    ).planned
    cancelled_at = running.clock.now()
    cancel(running.store, aid, cancelled_at, "test")
    horizon = max(cancelled_at + timedelta(days=2.5), *(p.due_at for p in planned))
    return Cancelled(aid, horizon)


def test_a_booked_appointment_is_delivered_in_order_on_time_and_once(
    running: Running, epidural: Schedule
) -> None:
    now = running.clock.now()
    start = (now + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0)
    aid = f"E2E-{uuid.uuid4().hex[:6]}"
    appt = make_appointment(
        external_id=aid,
        procedure__start=start.isoformat(),
        medications=[
            {
                "name": "Apixaban",
                "pause_from": (start - timedelta(days=1)).date().isoformat(),
                "resume_on": (start + timedelta(days=1)).date().isoformat(),
            }
        ],
    )
    planned = book(running.store, appt, epidural, now).planned
    timeline = max(p.deadline for p in planned) - now
    wait_until(
        lambda: settled(running.store, aid),
        timeline.total_seconds() / SPEED + 30,
        f"every reminder of {aid} to reach a final state",
    )

    snap = running.store.appointments.snapshot(aid)
    assert snap is not None
    sent = [r for r in snap.reminders if r.state == ReminderState.SENT]
    expected = [p for p in planned if p.state == ReminderState.SCHEDULED]
    assert sorted(r.id for r in sent) == sorted(p.id for p in expected)
    delivered = [m for m in running.outbox.messages() if m["reminder"].startswith(aid + ":")]
    assert sorted(m["reminder"] for m in delivered) == sorted(r.id for r in sent)  # once each
    for r in sent:
        assert r.changed_at is not None
        lateness = r.changed_at - r.due_at
        assert timedelta(0) <= lateness < timedelta(hours=3), (r.id, lateness)
    # In order of due time; reminders claimed in the same tick may go out in either order (two
    # worker processes), so a later message may be due at most one tick before an earlier one.
    tick = timedelta(seconds=TICK * SPEED)
    due = {r.id: r.due_at for r in sent}
    order = [due[m["reminder"]] for m in delivered]
    assert all(later >= earlier - tick for earlier, later in itertools.pairwise(order))


def test_a_delivery_task_delivered_twice_by_the_broker_sends_once(
    running: Running, epidural: Schedule
) -> None:
    for _ in range(5):
        now = running.clock.now()
        aid = f"DUP-{uuid.uuid4().hex[:6]}"
        book(
            running.store,
            make_appointment(
                external_id=aid,
                procedure__start=(now + timedelta(days=10)).isoformat(),
                medications=[],
            ),
            epidural,
            now,
        )
        # Claim before beat does (it ticks every 0.1 s); retry with a new appointment if it won.
        mine = [
            (r, t)
            for r, t in running.store.reminders.claim_due(now + timedelta(seconds=1), 50, 3600)
            if r.startswith(aid + ":")
        ]
        if mine:
            break
    else:
        pytest.fail("beat claimed every attempt first")
    for rid, token in mine:
        for _ in range(3):
            running.sender.send_task("reminders.deliver", (rid, token), queue=running.queue)
    wait_until(
        lambda: all(running.store.reminders.get(r).state == "sent" for r, _ in mine),  # type: ignore[union-attr]
        30,
        f"{len(mine)} claimed reminders of {aid} to be sent",
    )
    wait_until_drained(running, aid)  # the duplicates ran too (they find the claim spent)
    delivered = [m["reminder"] for m in running.outbox.messages() if m["reminder"].startswith(aid)]
    assert sorted(delivered) == sorted(r for r, _ in mine)


def test_nothing_is_sent_after_cancellation(running: Running, cancelled: Cancelled) -> None:
    aid = cancelled.aid
    wait_until(lambda: settled(running.store, aid), 10, f"every reminder of {aid} to be final")
    # The whole original timeline has passed: a dispatch tick ran after its horizon (and would
    # have claimed anything left), and whatever that tick enqueued has run.
    remaining = (cancelled.horizon - running.clock.now()).total_seconds() / SPEED
    wait_until(
        lambda: heartbeat(running) > cancelled.horizon,
        max(remaining, 0) + 30,
        f"a dispatch tick after {aid}'s original timeline ({cancelled.horizon})",
    )
    wait_until_drained(running, aid)
    snap = running.store.appointments.snapshot(aid)
    assert snap is not None
    sent = {r.id for r in snap.reminders if r.state == ReminderState.SENT}
    delivered = {m["reminder"] for m in running.outbox.messages() if m["reminder"].startswith(aid)}
    assert delivered == sent
    assert all(r.rule == "booking_confirmation" for r in snap.reminders if r.id in sent)
