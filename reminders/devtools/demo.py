"""``reminders demo``: a real Celery worker and beat deliver a few patients' whole timelines to
the outbox on a fast clock, then a table shows what was due, what was delivered and how late.

Uses the Redis at REDIS_URL when one answers, else starts an embedded one; stops everything it
started and removes its keys.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import redis

from reminders import settings as settings_mod
from reminders.api.validation import parse
from reminders.booking import book, cancel
from reminders.clock import WarpClock
from reminders.devtools import celery_procs
from reminders.devtools.embedded_redis import EmbeddedRedis, answers
from reminders.i18n import MESSAGE_KEYS
from reminders.model import Appointment
from reminders.schedule import find, load
from reminders.store import Store
from reminders.store.keys import Keys

TIMELINE = timedelta(days=6)
TERMINAL = {"sent", "skipped", "cancelled", "failed", "flagged"}

PATIENTS: list[dict[str, Any]] = [
    {
        "id": "DEMO-BER",
        "name": "Maria Schneider",
        "tz": "Europe/Berlin",
        "locale": "de-DE",
        "phone": "+4915112345678",
        "email": "maria@example.org",
        "days": 4,
        "at": 9,
        "meds": [("Apixaban 5 mg", -3, 1, "Take the evening dose as usual on the day before.")],
    },
    {
        "id": "DEMO-NYC",
        "name": "James Carter",
        "tz": "America/New_York",
        "locale": "en-US",
        "phone": "+12125550123",
        "email": None,
        "days": 4,
        "at": 14,
        "meds": [],
    },
    {
        "id": "DEMO-MEX",
        "name": "Lucía Hernández",
        "tz": "America/Mexico_City",
        "locale": "es-MX",
        "phone": "+525512345678",
        "email": "lucia@example.org",
        "days": 3,
        "at": 11,
        "meds": [("Clopidogrel 75 mg", -2, 1, "")],
    },
    {
        "id": "DEMO-SYD",
        "name": "Mei Chen",
        "tz": "Australia/Sydney",
        "locale": "zh-Hans-CN",
        "phone": "+61412345678",
        "email": "mei@example.org",
        "days": 4,
        "at": 8,
        "meds": [],
    },
]


def run(seconds: float = 60.0) -> int:
    env_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    server = None if answers(env_url) else EmbeddedRedis().start()
    url = server.url if server else env_url
    prefix = f"demo-{uuid.uuid4().hex[:8]}"
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    clock = WarpClock(start, time.time(), TIMELINE.total_seconds() / seconds)
    print(f"Redis: {'embedded ' if server else ''}{url}   key prefix: {prefix}")
    print(
        f"Clock: 1 real second = {clock.speed / 3600:.1f} virtual hours; "
        f"timeline of {TIMELINE.days} days in about {seconds:.0f} s\n"
    )
    env = {
        **os.environ,
        "REDIS_URL": url,
        "CELERY_BROKER_URL": url,
        "REMINDERS_KEY_PREFIX": prefix,
        "REMINDERS_CLOCK": clock.spec(),
        "REMINDERS_DISPATCH_INTERVAL": "0.1",
        "REMINDERS_CHANNELS": "outbox",
        "REMINDERS_OUTBOX_ECHO": "0",
        # the broker queue is namespaced too, so the demo never feeds a production worker
        "REMINDERS_QUEUE": f"{prefix}-queue",
    }
    workdir = Path(tempfile.mkdtemp(prefix="reminders-demo-"))
    client = redis.Redis.from_url(url)
    procs: list[subprocess.Popen[bytes]] = []
    try:
        procs = [celery_procs.start_worker(env, workdir), celery_procs.start_beat(env, workdir)]
        store = Store(client, prefix)
        celery_procs.wait_until(lambda: store.ops.last_dispatch_run() is not None, procs, workdir)
        print("Worker and beat are running.\n")
        booked = _book_all(store, clock)
        _play(store, client, prefix, clock, booked, seconds)
        _table(store, booked)
    finally:
        celery_procs.stop(procs)
        _cleanup(client, prefix, env["REMINDERS_QUEUE"])
        if server:
            server.cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


def _book_all(store: Store, clock: WarpClock) -> dict[str, Appointment]:
    from zoneinfo import ZoneInfo  # noqa: PLC0415

    schedule = load(find("epidural_steroid_injection"), MESSAGE_KEYS)
    clinic = settings_mod.load().clinic
    now = clock.now()
    booked = {}
    for p in PATIENTS:
        zone = ZoneInfo(p["tz"])
        day = now.astimezone(zone).date() + timedelta(days=p["days"])
        start = datetime(day.year, day.month, day.day, p["at"], tzinfo=zone)
        data = {
            "external_id": p["id"],
            "patient": {
                "name": p["name"],
                "timezone": p["tz"],
                "locale": p["locale"],
                "phone": p["phone"],
                "email": p["email"],
                "channels": ["sms", "email"] if p["email"] else ["sms"],
            },
            "procedure": {
                "type": schedule.procedure,
                "start": start.isoformat(),
                "duration_minutes": 45,
                "location": {"name": clinic.name, "address": clinic.address, "phone": clinic.phone},
            },
            "medications": [
                {
                    "name": n,
                    "pause_from": (day + timedelta(days=a)).isoformat(),
                    "resume_on": (day + timedelta(days=b)).isoformat(),
                    "note": note,
                }
                for n, a, b, note in p["meds"]
            ],
        }
        result = book(store, parse(data), schedule, now)
        booked[p["id"]] = result.appointment
        print(
            f"Booked {p['id']}: {p['name']} ({p['locale']}, {p['tz']}), procedure "
            f"{start:%a %d %b %H:%M} local, {len(result.planned)} reminders planned"
        )
    print()
    return booked


def _play(
    store: Store,
    client: redis.Redis,
    prefix: str,
    clock: WarpClock,
    booked: dict[str, Appointment],
    seconds: float,
) -> None:
    schedule = load(find("epidural_steroid_injection"), MESSAGE_KEYS)
    seen = 0
    moved = cancelled = False
    t0 = clock.now()
    end = time.monotonic() + seconds * 1.5
    while time.monotonic() < end:
        for raw in client.lrange(Keys(prefix).outbox, seen, -1):
            seen += 1
            m = json.loads(raw)
            text = m["subject"] if m["subject"] else m["text"]
            print(
                f"[{m['at'][:16].replace('T', ' ')}Z] {m['channel']:5} {m['to']:<18} "
                f"({m['locale']}) {text[:110]}"
            )
        elapsed = clock.now() - t0
        if not moved and elapsed > timedelta(days=1):
            moved = True
            a = booked["DEMO-MEX"]
            later = replace(
                a, procedure=replace(a.procedure, start=a.procedure.start + timedelta(days=1))
            )
            booked["DEMO-MEX"] = book(store, later, schedule, clock.now()).appointment
            print(
                f"*** {clock.now():%Y-%m-%d %H:%M}Z  staff moved DEMO-MEX one day later "
                "(pending reminders replaced; nothing stale is sent)"
            )
        if not cancelled and elapsed > timedelta(days=2):
            cancelled = True
            cancel(store, "DEMO-NYC", clock.now(), "patient called to cancel")
            print(f"*** {clock.now():%Y-%m-%d %H:%M}Z  staff cancelled DEMO-NYC")
        if elapsed > TIMELINE and _all_done(store, booked):
            break
        time.sleep(0.1)
    print()


def _all_done(store: Store, booked: dict[str, Appointment]) -> bool:
    for aid in booked:
        snap = store.appointments.snapshot(aid)
        if snap and any(r.state not in TERMINAL for r in snap.reminders):
            return False
    return True


def _table(store: Store, booked: dict[str, Appointment]) -> None:
    print(
        f"{'appointment':<10} {'v':>1} {'rule':<21} {'channel':<6} {'state':<9} "
        f"{'due (UTC)':<16} {'delivered (UTC)':<16} {'late':>8}"
    )
    lateness = []
    for aid in booked:
        snap = store.appointments.snapshot(aid)
        if snap is None:
            continue
        for r in snap.reminders:
            delivered = late = ""
            if r.state == "sent" and r.changed_at:
                delivered = f"{r.changed_at:%m-%d %H:%M:%S}"
                seconds = (r.changed_at - r.due_at).total_seconds()
                lateness.append(seconds)
                late = f"{seconds / 60:.0f} min"
            rule = r.rule + (f"#{r.medicine + 1}" if r.medicine is not None else "")
            print(
                f"{aid:<10} {r.version:>1} {rule:<21} {r.channel:<6} {r.state:<9} "
                f"{r.due_at:%m-%d %H:%M:%S} {delivered:<16} {late:>8}"
                + (f"  ({r.reason})" if r.reason and r.state != "sent" else "")
            )
    if lateness:
        lateness.sort()
        print(
            f"\n{len(lateness)} delivered; lateness in virtual time: median "
            f"{lateness[len(lateness) // 2] / 60:.0f} min, max {lateness[-1] / 60:.0f} min, "
            f"none early: {min(lateness) >= 0}. (At this clock speed one 0.1 s dispatch tick "
            "spans many virtual minutes; in real time lateness is bounded by "
            "REMINDERS_DISPATCH_INTERVAL.)"
        )


def _cleanup(client: redis.Redis, prefix: str, queue: str) -> None:
    keys = [
        *client.scan_iter(f"{prefix}:*", count=1000),
        queue.encode(),
        f"{queue}.dispatch".encode(),
    ]
    for i in range(0, len(keys), 500):
        client.delete(*keys[i : i + 500])
