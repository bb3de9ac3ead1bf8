"""A real Celery worker and two beats (a second beat must be harmless) on an injected fast clock
deliver a booked appointment's reminders in order, on time and once."""

from __future__ import annotations

import itertools
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

from reminders import celery_procs
from reminders.booking import book, cancel
from reminders.channels.outbox import OutboxChannel
from reminders.clock import WarpClock
from reminders.models import ReminderState
from reminders.schedule import Schedule
from reminders.store import Store
from tests.factories import make_appointment

pytestmark = pytest.mark.slow
SPEED = 10_000  # one real second is 2.8 virtual hours
TICK = 0.1  # real seconds between dispatch ticks
TERMINAL = {"sent", "skipped", "cancelled", "failed", "flagged"}


@dataclass
class Running:
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
            celery_procs.wait_until(lambda: store.last_dispatch_run() is not None, procs, workdir)
            yield Running(
                store,
                clock,
                OutboxChannel("sms", client, prefix, clock, echo=None),
                Celery(broker=redis_url),
                queue,
            )
        finally:
            celery_procs.stop(procs)
            keys = [*client.scan_iter(f"{prefix}:*"), queue.encode()]
            client.delete(*keys)


def wait_for(condition: object, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def settled(store: Store, aid: str) -> bool:
    snap = store.snapshot(aid)
    return snap is not None and all(r.state in TERMINAL for r in snap.reminders)


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
    wait_for(lambda: settled(running.store, aid), timeline.total_seconds() / SPEED + 30)

    snap = running.store.snapshot(aid)
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
            for r, t in running.store.claim_due(now + timedelta(seconds=1), 50, 3600)
            if r.startswith(aid + ":")
        ]
        if mine:
            break
    else:
        pytest.fail("beat claimed every attempt first")
    for rid, token in mine:
        for _ in range(3):
            running.sender.send_task("reminders.deliver", (rid, token), queue=running.queue)
    wait_for(lambda: all(running.store.reminder(r).state == "sent" for r, _ in mine), 30)
    time.sleep(1.0)  # let the duplicates run
    delivered = [m["reminder"] for m in running.outbox.messages() if m["reminder"].startswith(aid)]
    assert sorted(delivered) == sorted(r for r, _ in mine)


def test_nothing_is_sent_after_cancellation(running: Running, epidural: Schedule) -> None:
    now = running.clock.now()
    aid = f"CAN-{uuid.uuid4().hex[:6]}"
    book(
        running.store,
        make_appointment(
            external_id=aid, procedure__start=(now + timedelta(days=1)).isoformat(), medications=[]
        ),
        epidural,
        now,
    )
    cancel(running.store, aid, running.clock.now(), "test")
    wait_for(lambda: settled(running.store, aid), 10)
    time.sleep(2.5 * 24 * 3600 / SPEED)  # let the whole original timeline pass
    snap = running.store.snapshot(aid)
    assert snap is not None
    sent = {r.id for r in snap.reminders if r.state == ReminderState.SENT}
    delivered = {m["reminder"] for m in running.outbox.messages() if m["reminder"].startswith(aid)}
    assert delivered == sent
    assert all(r.rule == "booking_confirmation" for r in snap.reminders if r.id in sent)
