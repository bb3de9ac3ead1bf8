"""One chaos run, start to verdict: start the processes, book, play the chaos, let the system
settle with the faults off, stop it, and judge from outside (the API and the fake's log)."""

from __future__ import annotations

import json
import random
import tempfile
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from reminders.channels.twilio.webhook import STATUS_PATH
from reminders.clock import WarpClock
from reminders.devtools.chaos import oracle, report
from reminders.devtools.chaos.client import ApiError, Fake, Service
from reminders.devtools.chaos.fake_twilio import FAULT_KINDS
from reminders.devtools.chaos.patients import Booked, booking
from reminders.devtools.chaos.processes import Cluster
from reminders.devtools.chaos.profile import INTEGRATION_TOKEN, STAFF_TOKEN, Profile
from reminders.devtools.chaos.scenario import Chaos, plan

QUIET_SECONDS = 30  # at most this long for the last sends to finish once beat is stopped


def run(profile: Profile, seed: int) -> int:
    began = time.monotonic()
    workdir = Path(tempfile.mkdtemp(prefix="reminders-chaos-"))
    rng = random.Random(seed)  # noqa: S311 - a reproducible plan, not a secret
    origin = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    clock = WarpClock(origin, time.time(), profile.speed)
    print(
        f"Chaos test ({profile.name}): seed {seed} (CHAOS_SEED={seed} repeats the plan), "
        f"1 real second = {profile.speed / 60:.0f} virtual minutes\nLogs: {workdir}",
        flush=True,
    )
    cluster = Cluster(workdir, profile)
    passed = False
    try:
        cluster.start(clock.spec(), seed)
        service = Service(cluster.api_url, INTEGRATION_TOKEN, STAFF_TOKEN)
        fake = Fake(cluster.fake_url)
        _wait_for_beat(service)
        print(f"Redis, {profile.workers} workers, beat, API and fake Twilio are up.", flush=True)
        booked = _book(service, rng, profile, clock)
        chaos = Chaos(cluster, service, fake, booked, clock, rng, profile)
        actions = plan(rng, profile)
        print(f"Chaos for {profile.chaos_seconds:.0f} s: {len(actions)} actions", flush=True)
        chaos.run(actions)
        cutoff = clock.now()
        print(f"Chaos over at {cutoff:%m-%d %H:%M}Z; faults off, draining", flush=True)
        drain_began = time.monotonic()
        left = _drain(service, fake, cluster, booked, cutoff, profile.drain_seconds)
        drained = time.monotonic() - drain_began
        _quiesce(service, fake, cluster, booked)
        timelines = [service.timeline(aid) for aid in booked.payloads]
        attention = service.attention()
        log = fake.log()
        messages = [_message(m, clock) for m in log]
        _keep(workdir / "judged.json", timelines, attention, messages, cutoff, booked)
        verdict = oracle.judge(timelines, attention, messages, cutoff, first_due=booked.first_due)
        code = report.show(
            report.Run(
                profile=profile,
                seed=seed,
                timelines=timelines,
                messages=len(log),
                fake_stats=fake.stats(),
                chaos=dict(chaos.counts),
                self_exits=dict(cluster.self_exits),
                second_beat_seconds=chaos.second_beat_seconds,
                drain_seconds=drained,
                drain_left=len(left),
                api_retries=service.integration.retried + service.staff.retried,
                verdict=verdict,
                wall_seconds=time.monotonic() - began,
            )
        )
        passed = code == 0
        return code
    finally:
        cluster.shutdown()
        for note in cluster.notes:
            print(f"  {note}")
        if not passed:
            print(f"\nLast lines of each log ({workdir}):\n{cluster.tails(1500)}")
        print(f"Logs: {workdir}", flush=True)


def _wait_for_beat(service: Service, timeout: float = 60) -> None:
    """/health answers 200 once beat's dispatch tick has run."""
    deadline = time.monotonic() + timeout
    while service.staff.call("GET", "/health", retry_for=timeout)[0] != 200:
        if time.monotonic() > deadline:
            raise ApiError("the dispatcher never ran (/health stays 503)")
        time.sleep(0.2)


def _book(service: Service, rng: random.Random, profile: Profile, clock: WarpClock) -> Booked:
    booked = Booked()
    numbers: set[str] = set()
    for n in range(1, profile.appointments + 1):
        # each at the clock's own time: booking takes virtual hours at this speed
        payload = booking(rng, n, clock.now(), numbers)
        booked.record(payload, service.book(payload))
    count = sum(len(v) for v in booked.plan.values())
    print(f"Booked {profile.appointments} appointments ({count} reminders planned)", flush=True)
    return booked


def _drain(
    service: Service,
    fake: Fake,
    cluster: Cluster,
    booked: Booked,
    cutoff: datetime,
    timeout: float,
) -> list[str]:
    """Faults off, one beat, every worker up; wait until every reminder due by the cutoff has
    settled. Returns those that did not."""
    fake.set_faults(**dict.fromkeys(FAULT_KINDS, 0.0), list_500=0, list_empty=0, drop_callback=0)
    for name in cluster.names("worker"):
        cluster.restart(name)  # (a no-op for a running one)
    deadline = time.monotonic() + timeout
    shown = time.monotonic()
    while True:
        timelines = [service.timeline(aid) for aid in booked.payloads]
        left = oracle.unsettled(timelines, cutoff, booked.first_due)
        if not left or time.monotonic() > deadline:
            return left
        if time.monotonic() - shown > 10:
            shown = time.monotonic()
            print(f"  {len(left)} still settling, e.g. {', '.join(left[:3])}", flush=True)
        time.sleep(1)


def _quiesce(service: Service, fake: Fake, cluster: Cluster, booked: Booked) -> None:
    """Stop claiming (beats), let the sends under way finish, stop the workers gracefully, and
    let the last status callbacks arrive: the judged state is then a still picture."""
    for name in cluster.names("beat"):
        cluster.stop(name)
    deadline = time.monotonic() + QUIET_SECONDS
    before: dict[str, str] = {}
    while time.monotonic() < deadline:
        states = {
            str(r["id"]): str(r["state"])
            for aid in booked.payloads
            for r in service.timeline(aid)["reminders"]
        }
        busy = "sending" in states.values() or fake.stats()["in_flight"] > 0
        if not busy and states == before:
            break
        before = states
        time.sleep(1)
    for name in cluster.names("worker"):
        cluster.stop(name)
    while time.monotonic() < deadline and fake.stats()["pending_callbacks"]:
        time.sleep(0.2)


def _keep(
    path: Path,
    timelines: list[dict[str, Any]],
    attention: list[dict[str, Any]],
    messages: list[oracle.Message],
    cutoff: datetime,
    booked: Booked,
) -> None:
    """What the oracle judged, for a post-mortem (``oracle.judge`` takes it back as it is)."""
    data = {
        "cutoff": cutoff.isoformat(),
        "timelines": timelines,
        "attention": attention,
        "messages": [{**asdict(m), "created_at": m.created_at.isoformat()} for m in messages],
        "first_due": {k: v.isoformat() for k, v in booked.first_due.items()},
    }
    path.write_text(json.dumps(data, indent=1, default=str))


def _message(entry: dict[str, Any], clock: WarpClock) -> oracle.Message:
    """An accepted message from the fake's log, its time on the service's clock and its
    reminder read from the status callback URL the worker gave it."""
    created = (
        clock.virtual_origin.timestamp() + (entry["created"] - clock.real_origin) * clock.speed
    )
    path = urlsplit(entry.get("status_callback") or "").path
    head = STATUS_PATH.split("{", 1)[0]
    rid = unquote(path[len(head) :]) if path.startswith(head) else None
    return oracle.Message(
        sid=str(entry["sid"]),
        reminder_id=rid or None,
        to=str(entry.get("to") or ""),
        body=str(entry.get("body") or ""),
        created_at=datetime.fromtimestamp(created, UTC),
    )
