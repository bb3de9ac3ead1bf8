"""A real Celery worker delivering batches (reminders.deliver_batch) through the real Twilio SDK
to the fake Twilio is SIGKILLed mid-batch, with sends at the provider: a second worker delivers
what the first did not begin (after its claim lease) and looks up what it had begun (after its
send lease). Every reminder is sent, and each exactly once."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import redis

from reminders.booking import book
from reminders.clock import WarpClock
from reminders.devtools import celery_procs
from reminders.schedule import Schedule
from reminders.store import Store
from tests.factories import make_appointment
from tests.fakes.twilio import ACCOUNT_SID, MESSAGING_SERVICE, PUBLIC, FakeTwilio
from tests.helpers import wait_until

pytestmark = pytest.mark.slow
PATIENTS = 30


def children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                stat = (entry / "stat").read_text()
                if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                    out.append(int(entry.name))
    return out


def kill_whole_worker(worker: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker and its pool processes at once: nothing of it can clean up."""
    for pid in [worker.pid, *children(worker.pid)]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    worker.wait(10)


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    server = FakeTwilio(latency=0.2).start()  # a provider's answer takes a while
    yield server
    server.stop()


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(
    redis_url: str, fake: FakeTwilio, epidural: Schedule
) -> None:
    prefix = f"e2e-{uuid.uuid4().hex[:8]}"
    queue = f"{prefix}-queue"
    clock = WarpClock(datetime(2027, 3, 15, 10, 0, tzinfo=UTC), time.time(), 1.0)
    env = {
        **os.environ,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "REMINDERS_KEY_PREFIX": prefix,
        "REMINDERS_QUEUE": queue,
        "REMINDERS_CLOCK": clock.spec(),
        "REMINDERS_DISPATCH_INTERVAL": "0.2",
        "REMINDERS_CHANNELS": "twilio",
        "REMINDERS_DELIVERY_BATCH": "10",
        "REMINDERS_SEND_THREADS": "2",
        # Short leases, so that what the killed worker held comes back within the test.
        "REMINDERS_CLAIM_LEASE": "3",
        "REMINDERS_SEND_LEASE": "7",
        "REMINDERS_RECONCILE_DELAY": "1",
        "TWILIO_TIMEOUT_CONNECT": "0.5",
        "TWILIO_TIMEOUT_READ": "1",
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": fake.auth_token,
        "TWILIO_MESSAGING_SERVICE_SID": MESSAGING_SERVICE,
        "TWILIO_API_BASE_URL": fake.url,
        "PUBLIC_BASE_URL": PUBLIC,
        "REMINDERS_FINGERPRINT_KEY": "k" * 32,
        "SMS_RATE_PER_SECOND": "1000",
    }
    client = redis.Redis.from_url(redis_url)
    store = Store(client, prefix)
    now = clock.now()
    rids = []
    for n in range(PATIENTS):
        aid = f"{prefix}-{n}"
        appt = make_appointment(
            external_id=aid,
            patient__timezone="UTC",
            patient__email="",
            patient__phone=f"+4915112{n:06d}",
            patient__channels=["sms"],
            procedure__start=(now + timedelta(days=5)).isoformat(),
            medications=[],
        )
        book(store, appt, epidural, now)
        rids.append(f"{aid}:1:booking_confirmation:-:sms")

    def states() -> Counter[str]:
        return Counter(str(getattr(store.reminders.get(r), "state", None)) for r in rids)

    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        beat = celery_procs.start_beat(env, workdir)
        first = celery_procs.start_worker(env, workdir, concurrency=1, name="first")
        second = None
        try:
            # Mid-batch: some sends done, one at the provider (it answers after 0.2 s).
            wait_until(lambda: len(fake.creates) >= 4, 60, "the first sends of a batch")
            kill_whole_worker(first)
            at_kill = states()
            assert at_kill["sent"] < PATIENTS and at_kill["sending"] + at_kill["claimed"] > 0
            second = celery_procs.start_worker(env, workdir, concurrency=1, name="second")
            wait_until(lambda: states() == {"sent": PATIENTS}, 90, "every reminder sent")
            provider_ids = {getattr(store.reminders.get(r), "provider_id", None) for r in rids}
        finally:
            celery_procs.stop([p for p in (beat, second) if p is not None])
            for key in client.scan_iter(f"{prefix}*"):
                client.delete(key)
            client.delete(queue, f"{queue}.dispatch")
            client.close()
    accepted = Counter(m["to"] for m in fake.messages.values())
    assert len(accepted) == PATIENTS and set(accepted.values()) == {1}  # once each
    assert provider_ids == set(fake.messages)  # each recorded as the message Twilio has
