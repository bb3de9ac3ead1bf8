"""``reminders demo``: a real Celery worker and beat deliver a few patients' whole timelines to
the outbox on a fast clock, while staff move one appointment and cancel another. The reader
sees each message as the outbox receives it under a live status (``demo_view``), then every
reminder and state with the checks and what to try next (``demo_ending``).

Uses the Redis at REDIS_URL when one answers, else starts an embedded one; stops everything it
started and removes its keys.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import redis

from reminders import settings as settings_mod
from reminders.api.validation import parse
from reminders.booking import book, cancel
from reminders.clock import WarpClock
from reminders.devtools import celery_procs, demo_ending
from reminders.devtools.demo_ending import NextSteps
from reminders.devtools.demo_report import summarize, tally
from reminders.devtools.demo_view import DemoView, Person, place
from reminders.devtools.embedded_redis import EmbeddedRedis, answers
from reminders.i18n import MESSAGE_KEYS
from reminders.model import Appointment
from reminders.schedule import find, load
from reminders.store import Store
from reminders.store.keys import Keys
from reminders.store.record import ReminderRecord

TIMELINE = timedelta(days=6)
DURATION = 45  # minutes of each procedure
# Real seconds between dispatch ticks: short, since one real second is hours of virtual time.
TICK = 0.1

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


def run(seconds: float = 60.0, *, out: TextIO | None = None) -> int:
    """Play the timelines in about ``seconds`` of real time, writing to ``out`` (stdout).
    Returns 0, or 1 when a check failed (something early, twice, stale or left pending)."""
    env_url = os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    prefix = f"demo-{uuid.uuid4().hex[:8]}"
    queue = f"{prefix}-queue"  # namespaced too, so the demo never feeds a production worker
    start = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    clock = WarpClock(start, time.time(), TIMELINE.total_seconds() / seconds)
    view = DemoView(clock, seconds, TIMELINE.days, _people(), file=out)
    workdir = Path(tempfile.mkdtemp(prefix="reminders-demo-"))
    server: EmbeddedRedis | None = None
    client: redis.Redis | None = None
    procs: list[subprocess.Popen[bytes]] = []
    with view.live():
        try:
            view.phase("looking for Redis")
            server = None if answers(env_url) else EmbeddedRedis().start()
            url = server.url if server else env_url
            client = redis.Redis.from_url(url)
            view.say(f"Redis: {'embedded ' if server else ''}{url}   key prefix: {prefix}")
            view.say(
                f"Clock: 1 real second = {clock.speed / 3600:.1f} virtual hours; "
                f"a timeline of {TIMELINE.days} days in about {seconds:.0f} s\n"
            )
            view.phase("starting the Celery worker and beat")
            env = _celery_env(url, prefix, queue, clock)
            procs = [celery_procs.start_worker(env, workdir), celery_procs.start_beat(env, workdir)]
            store = Store(client, prefix)
            celery_procs.wait_until(
                lambda: store.ops.last_dispatch_run() is not None, procs, workdir
            )
            view.say("Worker and beat are running.\n")
            booked_at = clock.now()
            booked = _book_all(store, booked_at, view)
            _play(store, client, prefix, clock, booked, seconds, view)
            summary = summarize(_records(store, booked), store.outbox.messages())
        finally:
            view.phase("stopping the worker and beat, removing the demo's keys")
            celery_procs.stop(procs)
            if client is not None:
                _cleanup(client, prefix, queue)
                client.close()
            if server:
                server.cleanup()
            shutil.rmtree(workdir, ignore_errors=True)
    view.say(f"Stopped the worker and beat{' and Redis' if server else ''}; removed {prefix}:*.")
    demo_ending.show(view.console, summary, view.people, clock, TICK, _next_steps(booked_at))
    return 0 if summary.checks_pass else 1


def _celery_env(url: str, prefix: str, queue: str, clock: WarpClock) -> dict[str, str]:
    return {
        **os.environ,
        "REDIS_URL": url,
        "CELERY_BROKER_URL": url,
        "REMINDERS_KEY_PREFIX": prefix,
        "REMINDERS_CLOCK": clock.spec(),
        "REMINDERS_DISPATCH_INTERVAL": str(TICK),
        "REMINDERS_CHANNELS": "outbox",
        "REMINDERS_OUTBOX_ECHO": "0",
        "REMINDERS_QUEUE": queue,
    }


def _people() -> dict[str, Person]:
    return {p["id"]: Person(p["id"], p["name"], ZoneInfo(p["tz"])) for p in PATIENTS}


def _procedure_start(p: Mapping[str, Any], now: datetime) -> datetime:
    zone = ZoneInfo(p["tz"])
    day = now.astimezone(zone).date() + timedelta(days=p["days"])
    return datetime(day.year, day.month, day.day, p["at"], tzinfo=zone)


def _book_all(store: Store, now: datetime, view: DemoView) -> dict[str, Appointment]:
    schedule = load(find("epidural_steroid_injection"), MESSAGE_KEYS)
    clinic = settings_mod.load().clinic
    booked = {}
    rows = []
    for p in PATIENTS:
        start = _procedure_start(p, now)
        day = start.date()
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
                "duration_minutes": DURATION,
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
        rows.append((p["id"], p["name"], p["locale"], start, len(result.planned)))
    view.booked(rows)
    return booked


def _play(
    store: Store,
    client: redis.Redis,
    prefix: str,
    clock: WarpClock,
    booked: dict[str, Appointment],
    seconds: float,
    view: DemoView,
) -> None:
    outbox = Keys(prefix).outbox
    seen = 0

    def show_new_messages() -> None:
        nonlocal seen
        for raw in client.lrange(outbox, seen, -1):
            seen += 1
            view.message(json.loads(raw))

    t0 = clock.now()
    end = time.monotonic() + seconds * 1.5
    view.update(tally(_records(store, booked)))
    view.play(t0)
    staff = _Staff(store, clock, view)
    while time.monotonic() < end:
        show_new_messages()
        staff.act(clock.now() - t0, booked)
        now = tally(_records(store, booked))
        view.update(now)
        if clock.now() - t0 > TIMELINE and now.done:
            break
        time.sleep(0.1)
    show_new_messages()  # any recorded between the last look and the tally that said "done"
    view.say("")


class _Staff:
    """The two changes staff make mid-way: DEMO-MEX moved a day later after one virtual day
    (pending reminders replaced, notices added), DEMO-NYC cancelled after two."""

    def __init__(self, store: Store, clock: WarpClock, view: DemoView) -> None:
        self.store, self.clock, self.view = store, clock, view
        self.schedule = load(find("epidural_steroid_injection"), MESSAGE_KEYS)
        self.moved = self.cancelled = False

    def act(self, elapsed: timedelta, booked: dict[str, Appointment]) -> None:
        now = self.clock.now()
        if not self.moved and elapsed > timedelta(days=1):
            self.moved = True
            a = booked["DEMO-MEX"]
            later = replace(
                a, procedure=replace(a.procedure, start=a.procedure.start + timedelta(days=1))
            )
            booked["DEMO-MEX"] = book(self.store, later, self.schedule, now).appointment
            self.view.staff(
                f"{_local(now, a)}  staff moved DEMO-MEX one day later, to "
                f"{_local(later.procedure.start, a)} (her pending reminders are replaced; "
                "nothing stale is sent)"
            )
        if not self.cancelled and elapsed > timedelta(days=2):
            self.cancelled = True
            cancel(self.store, "DEMO-NYC", now, "patient called to cancel")
            self.view.staff(f"{_local(now, booked['DEMO-NYC'])}  staff cancelled DEMO-NYC")


def _local(at: datetime, a: Appointment) -> str:
    zone = a.patient.zone
    return f"{at.astimezone(zone):%a %d %b %H:%M} {place(zone)}"


def _records(store: Store, booked: Mapping[str, Appointment]) -> list[ReminderRecord]:
    out: list[ReminderRecord] = []
    for aid in booked:
        snap = store.appointments.snapshot(aid)
        if snap is not None:
            out.extend(snap.reminders)
    return out


def _next_steps(booked_at: datetime) -> NextSteps:
    """Commands that work as printed: the preview replays DEMO-BER's booking (Redis-free)."""
    cmd = _command()
    p = PATIENTS[0]
    start = _procedure_start(p, booked_at)
    args = [
        cmd,
        "preview",
        "--procedure-at",
        f"{start:%Y-%m-%dT%H:%M}",
        "--tz",
        p["tz"],
        "--locale",
        p["locale"],
        "--duration",
        str(DURATION),
    ]
    for name, a, b, note in p["meds"]:
        day = start.date()
        spec = f"{name}:{day + timedelta(days=a)}:{day + timedelta(days=b)}"
        args += ["--medication", spec + (f":{note}" if note else "")]
    args += ["--now", f"{booked_at.astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}"]
    readme = Path(__file__).resolve().parents[2] / "README.md"
    return NextSteps(
        preview=shlex.join(args),
        users_add=f"{cmd} users add YOUR_NAME --role admin",
        serve=f"{cmd} serve",
        console_url="http://127.0.0.1:8000/console/",
        readme=_shown(readme) if readme.exists() else "the README.md of the project's source",
    )


def _command() -> str:
    """How the reader runs ``reminders``: the venv's script beside this Python, as a path
    relative to here when it is under it (``.venv/bin/reminders`` after ``make demo``)."""
    script = Path(sys.executable).parent / "reminders"
    return _shown(script) if script.exists() else "reminders"


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _cleanup(client: redis.Redis, prefix: str, queue: str) -> None:
    keys = [
        *client.scan_iter(f"{prefix}:*", count=1000),
        queue.encode(),
        f"{queue}.dispatch".encode(),
    ]
    for i in range(0, len(keys), 500):
        client.delete(*keys[i : i + 500])
