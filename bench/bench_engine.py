"""Benchmark the reminder engine against plain Celery ETA tasks, on one private Redis.

Usage: .venv/bin/python bench/bench_engine.py [--quick]

"Plain Celery" is what most projects do: one ``task.apply_async(args=(id,), eta=due)`` per
reminder, with the broker (and every worker, which prefetches ETA tasks) holding each reminder
until it is due. Both sides run against the same embedded redis-server started here, so nothing
on a shared Redis is read or flushed:

    db 0  the engine's store          db 1  the plain Celery broker
    db 2  the engine's Celery broker

Figures, each printed as "ours vs plain" where the comparison applies:
  1. booking throughput       2. Redis bytes per pending reminder
  3. idle worker RSS by store size    4. dispatch tick cost by store size
  5. delivery rate and lateness through real Celery workers on the system clock
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import redis
from celery import Celery
from celery import __version__ as celery_version

from reminders.api.validation import parse
from reminders.booking import book, cancel
from reminders.delivery import dispatch_tick
from reminders.devtools.embedded_redis import EmbeddedRedis
from reminders.model import Appointment, Medication, ReminderState
from reminders.schedule import Schedule, find, load, plan
from reminders.store import Store
from reminders.store.keys import Keys

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
CELERY_BIN = str(Path(sys.executable).with_name("celery"))
PREFIX = "bench"
PLAIN_QUEUE = "celery"
PLAIN_DONE_KEY = "bench:plain:done"
MIB = 1024 * 1024
# Bulk appointments are booked as if one day from now, so none of their booking confirmations
# (due "at booking") can fall due while a worker runs on the system clock: ours must stay idle,
# and the plain worker must hold every ETA task rather than run some.
BULK_BOOKING_LEAD = timedelta(days=1)

# --- the plain Celery side ----------------------------------------------------------------
# Defined at module level so that a real worker can import it: `celery -A bench_engine:plain_app`.
# The broker comes from the environment because the worker is a separate process.

plain_app = Celery("bench_plain", broker=os.environ.get("BENCH_PLAIN_BROKER_URL", "memory://"))
plain_app.conf.update(
    task_serializer="json",
    accept_content=["json"],
    task_ignore_result=True,
    worker_hijack_root_logger=False,
    broker_connection_retry_on_startup=True,
)


@functools.cache
def _plain_redis() -> redis.Redis:
    return redis.Redis.from_url(plain_app.conf.broker_url)


@plain_app.task(name="bench.plain_remind", ignore_result=True)  # type: ignore[untyped-decorator]
def plain_remind(reminder_id: str) -> None:
    """Stands in for "render and send": it only records when it ran, which is what lateness
    needs. Its work is therefore a lower bound on what a real task would do."""
    _plain_redis().rpush(PLAIN_DONE_KEY, json.dumps([reminder_id, time.time()]))


# --- sizes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sizes:
    """Reminder counts are multiples of 16, the reminders one sample appointment gets."""

    booking: int  # reminders booked (ours) and enqueued (plain) for figures 1 and 2
    ours_rss: tuple[int, ...]  # pending reminders in the store while the idle worker runs
    plain_rss: tuple[int, ...]  # ETA tasks held by the plain worker; the last is `booking`
    tick: tuple[int, int]  # pending reminders for the small and the large dispatch tick
    tick_due: int
    tick_repeats: int
    idle_seconds: float
    steady_rate: float  # reminders falling due per second in figure 5
    steady_seconds: float
    burst: int  # reminders falling due at the same instant in figure 5


FULL = Sizes(
    booking=100_000,
    ours_rss=(0, 100_000, 1_000_000),
    plain_rss=(0, 10_000, 100_000),
    tick=(10_000, 1_000_000),
    tick_due=500,
    tick_repeats=7,
    idle_seconds=8,
    steady_rate=100,
    steady_seconds=20,
    burst=2_000,
)
QUICK = Sizes(
    booking=10_000,
    ours_rss=(0, 2_000, 10_000),
    plain_rss=(0, 2_000, 10_000),
    tick=(2_000, 10_000),
    tick_due=500,
    tick_repeats=3,
    idle_seconds=4,
    steady_rate=50,
    steady_seconds=6,
    burst=300,
)

# --- sample appointments -------------------------------------------------------------------

# zone, locale, name, phone prefix (a patient number fills in the remaining digits)
PATIENTS = (
    ("Europe/Berlin", "de", "Maria Rossi", "+49151"),
    ("America/New_York", "en", "John Miller", "+1212"),
    ("Europe/Madrid", "es", "Lucía García", "+34612"),
    ("Asia/Tokyo", "ja", "Sato Haruto", "+8190"),
)
WITH_ONE_MEDICINE = 16  # reminders the epidural schedule plans for sms + email and one medicine


@functools.cache
def epidural() -> Schedule:
    return load(find("epidural_steroid_injection"))


@functools.cache
def _template(patient: int, channels: tuple[str, ...]) -> Appointment:
    zone, locale, name, phone = PATIENTS[patient]
    phone += "0" * 7  # only to pass validation: appointment() gives each patient a number
    return parse(
        {
            "external_id": "template",
            "patient": {
                "name": name,
                "timezone": zone,
                "locale": locale,
                "phone": phone,
                "email": "patient@example.org",
                "channels": list(channels),
            },
            "procedure": {
                "type": "epidural_steroid_injection",
                "start": "2030-01-01T09:00:00+00:00",
                "duration_minutes": 45,
                "location": {
                    "name": "Riverside Radiology",
                    "address": "Hauptstraße 1, Berlin",
                    "phone": "+49 30 1234567",
                },
            },
        }
    )


def appointment(
    external_id: str,
    n: int,
    start: datetime,
    *,
    medicine: bool = True,
    channels: tuple[str, ...] = ("sms", "email"),
    zone: str | None = None,
) -> Appointment:
    """Patient number ``n`` has their own phone and email: the store indexes appointments by
    phone, and shared numbers would make a few huge index entries instead of many small ones."""
    base = _template(n % len(PATIENTS), channels)
    patient = replace(
        base.patient,
        phone=f"{PATIENTS[n % len(PATIENTS)][3]}{n:07d}",
        email=f"patient{n}@example.org",
        timezone=zone or base.patient.timezone,
    )
    base = replace(base, patient=patient)
    local_day = start.astimezone(base.patient.zone).date()
    meds = (
        (Medication("Apixaban", local_day - timedelta(days=3), local_day + timedelta(days=1)),)
        if medicine
        else ()
    )
    return replace(
        base,
        external_id=external_id,
        medications=meds,
        procedure=replace(base.procedure, start=start),
    )


def bulk_booking_time() -> datetime:
    return datetime.now(UTC) + BULK_BOOKING_LEAD


def spread_appointments(
    tag: str, first: int, count: int, booked: datetime
) -> Iterator[Appointment]:
    """Distinct appointments with procedures spread over the half year after ``booked``, at
    clinic hours in each patient's zone, so every planned reminder is still pending."""
    for i in range(first, first + count):
        patient = i % len(PATIENTS)
        zone = ZoneInfo(PATIENTS[patient][0])
        day = booked.astimezone(zone).date() + timedelta(days=7 + (i * 37) % 180)
        minutes = 8 * 60 + 15 * (i % 36)
        start = datetime.combine(day, clock_time(minutes // 60, minutes % 60), tzinfo=zone)
        yield appointment(f"{tag}-{i:07d}", i, start.astimezone(UTC))


# --- helpers -------------------------------------------------------------------------------

_T0 = time.monotonic()


def progress(message: str) -> None:
    print(f"[{time.monotonic() - _T0:6.1f}s] {message}", file=sys.stderr, flush=True)


def used_memory(r: redis.Redis) -> int:
    return int(r.info("memory")["used_memory"])


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def percentile(values: list[float], q: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def wait_until(
    ready: Callable[[], bool], what: str, timeout: float, procs: Iterable[Proc] = ()
) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        for p in procs:
            if p.popen.poll() is not None:
                raise RuntimeError(f"{p.name} exited while waiting for {what}:\n{p.tail()}")
        if time.monotonic() > deadline:
            logs = "\n".join(p.tail() for p in procs)
            raise RuntimeError(f"timed out after {timeout:.0f}s waiting for {what}\n{logs}")
        time.sleep(0.05)


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def tail(self, chars: int = 3000) -> str:
        return f"--- {self.name} ({self.log})\n" + self.log.read_text(errors="replace")[-chars:]

    def stop(self, *, kill: bool = False) -> None:
        if self.popen.poll() is not None:
            return
        if kill:
            self.popen.kill()
        else:
            self.popen.terminate()
        try:
            self.popen.wait(20)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(10)


@dataclass
class Bench:
    """The private Redis, the processes started on it, and the results gathered so far."""

    sizes: Sizes
    server: EmbeddedRedis
    workdir: Path
    procs: list[Proc] = field(default_factory=list)
    results: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.server.port}/{db}"

    @functools.cached_property
    def store_redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.url(0))

    @functools.cached_property
    def plain_redis(self) -> redis.Redis:
        return redis.Redis.from_url(self.url(1))

    @functools.cached_property
    def store(self) -> Store:
        return Store(self.store_redis, PREFIX)

    def flush(self) -> None:
        for db in (0, 1, 2):
            with redis.Redis.from_url(self.url(db)) as client:
                client.flushdb()

    def spawn(self, name: str, args: list[str], env: dict[str, str], cwd: Path) -> Proc:
        log = self.workdir / f"{name}-{len(self.procs)}.log"
        with log.open("wb") as out:  # the child keeps its own copy of the descriptor
            popen = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        proc = Proc(name, popen, log)
        self.procs.append(proc)
        return proc

    def stop_all(self) -> None:
        for p in self.procs:
            p.stop(kill=True)


def clean_env() -> dict[str, str]:
    """The caller's environment minus anything that could point a child at another Redis or
    override a setting (settings also read ``NAME_FILE`` variants)."""
    ours = ("REMINDERS_", "REDIS_URL", "CELERY_BROKER_URL", "BENCH_", "CLINIC_")
    return {k: v for k, v in os.environ.items() if not k.startswith(ours)}


def reminders_env(b: Bench, interval: float) -> dict[str, str]:
    return {
        **clean_env(),
        "REDIS_URL": b.url(0),
        "CELERY_BROKER_URL": b.url(2),
        "REMINDERS_KEY_PREFIX": PREFIX,
        "REMINDERS_DISPATCH_INTERVAL": str(interval),
        "REMINDERS_CLOCK": "system",
        "REMINDERS_CHANNELS": "outbox",
        "REMINDERS_OUTBOX_ECHO": "0",
        "PYTHONPATH": str(ROOT),
    }


def start_ours(b: Bench, *, interval: float, pool: list[str]) -> list[Proc]:
    env = reminders_env(b, interval)
    app = [CELERY_BIN, "-A", "reminders.celery_app"]
    worker = b.spawn(
        "ours-worker",
        [
            *app,
            "worker",
            *pool,
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"bench-ours-{os.getpid()}@%h",
        ],
        env,
        ROOT,
    )
    beat = b.spawn(
        "ours-beat",
        [
            *app,
            "beat",
            "--loglevel=WARNING",
            "--schedule",
            str(b.workdir / f"beat-schedule-{len(b.procs)}"),
        ],
        env,
        ROOT,
    )
    started = time.time()

    def ticked() -> bool:
        last = b.store.ops.last_dispatch_run()
        return last is not None and last.timestamp() > started

    # A recorded dispatch run proves beat published a tick and the worker executed it.
    wait_until(ticked, "the first dispatch tick", 90, [worker, beat])
    return [worker, beat]


def start_plain_worker(b: Bench, pool: list[str]) -> Proc:
    env = {**clean_env(), "BENCH_PLAIN_BROKER_URL": b.url(1), "PYTHONPATH": str(BENCH_DIR)}
    return b.spawn(
        "plain-worker",
        [
            CELERY_BIN,
            "-A",
            "bench_engine:plain_app",
            "worker",
            *pool,
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--hostname",
            f"bench-plain-{os.getpid()}@%h",
        ],
        env,
        BENCH_DIR,
    )


def plain_ready(worker: Proc) -> None:
    def pong() -> bool:
        return bool(plain_app.control.ping(timeout=0.5))

    wait_until(pong, "the plain worker to answer a ping", 60, [worker])


# --- loading the store ---------------------------------------------------------------------


def _book_range(job: tuple[str, str, str, int, int, float]) -> int:
    url, prefix, tag, first, count, booked_ts = job
    store = Store(redis.Redis.from_url(url), prefix)
    booked = datetime.fromtimestamp(booked_ts, UTC)
    added = 0
    for a in spread_appointments(tag, first, count, booked):
        added += len(book(store, a, epidural(), booked).planned)
    return added


def bulk_book(b: Bench, tag: str, first: int, count: int, booked: datetime) -> int:
    """Book ``count`` appointments through book() in two processes: booking is mostly Python
    CPU. The pool is spawned, not forked: a forked child inherits the plain Celery app's open
    broker connection, and kombu's after-fork hook then blocks on the parent's socket."""
    step = max(1, count // 16)
    jobs = [
        (b.url(0), PREFIX, tag, start, min(step, first + count - start), booked.timestamp())
        for start in range(first, first + count, step)
    ]
    if count < 2_000:
        return sum(_book_range(job) for job in jobs)
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        return sum(pool.map(_book_range, jobs))


def fill_store(b: Bench, target: int, booked: datetime) -> None:
    have = b.store.reminders.pending_count()
    if target > have:
        first = have // WITH_ONE_MEDICINE
        t = time.perf_counter()
        bulk_book(b, "bulk", first, (target - have) // WITH_ONE_MEDICINE, booked)
        progress(
            f"store: {b.store.reminders.pending_count():,} pending "
            f"(+{target - have:,} in {time.perf_counter() - t:.1f}s)"
        )
    if b.store.reminders.pending_count() != target:
        raise RuntimeError(f"expected {target} pending, found {b.store.reminders.pending_count()}")


# --- figures 1 and 2: booking throughput and bytes per reminder ----------------------------


def fig12_ours(b: Bench) -> None:
    n_appts = b.sizes.booking // WITH_ONE_MEDICINE
    now = bulk_booking_time()
    appts = list(spread_appointments("book", 0, n_appts, now))
    warm = max(10, n_appts // 100)  # first bookings load scripts and warm caches: untimed
    before = used_memory(b.store_redis)
    for a in appts[:warm]:
        book(b.store, a, epidural(), now)
    t = time.perf_counter()
    timed = sum(len(book(b.store, a, epidural(), now).planned) for a in appts[warm:])
    elapsed = time.perf_counter() - t
    pending = b.store.reminders.pending_count()
    if pending != b.sizes.booking:
        raise RuntimeError(f"expected {b.sizes.booking} pending reminders, found {pending}")
    b.results["book_ours"] = timed / elapsed
    b.results["bytes_ours"] = (used_memory(b.store_redis) - before) / pending
    b.results["book_appts"] = (n_appts - warm) / elapsed
    breakdown_ours(b, appts, pending)
    progress(
        f"fig 1/2 ours: {timed / elapsed:,.0f} reminders/s, "
        f"{b.results['bytes_ours']:.0f} B/reminder"
    )


def key_pattern(key: bytes) -> str:
    """``bench:a:book-0000123`` -> ``bench:a:*``: parts holding digits are per-record."""
    return ":".join(
        "*" if any(c.isdigit() for c in part) else part for part in key.decode().split(":")
    )


def breakdown_ours(b: Bench, appts: list[Appointment], pending: int) -> None:
    """Which kind of key holds what share of a pending reminder, by MEMORY USAGE of every key.
    Grouping by pattern rather than by known key names keeps this right as the store grows new
    indexes."""
    r = b.store_redis
    keys = list(r.scan_iter(count=1000))
    pipe = r.pipeline(transaction=False)
    for key in keys:
        pipe.memory_usage(key, samples=0)
    by_pattern: dict[str, list[int]] = {}
    for key, size in zip(keys, pipe.execute(), strict=True):
        entry = by_pattern.setdefault(key_pattern(key), [0, 0])
        entry[0] += 1
        entry[1] += size or 0
    parts = [
        f"{pattern} ({count:,} keys) {size / pending:.0f}"
        for pattern, (count, size) in sorted(by_pattern.items(), key=lambda kv: -kv[1][1])
    ]
    counted = sum(size for _, size in by_pattern.values()) / pending
    b.notes.append(
        "ours, bytes per pending reminder by key pattern (MEMORY USAGE): "
        + "; ".join(parts)
        + f"; the other {b.results['bytes_ours'] - counted:.0f} of "
        f"{b.results['bytes_ours']:.0f} is the keyspace's own entries and allocator rounding."
    )
    key = b.store.keys.appointment(appts[len(appts) // 2].external_id)
    size = r.memory_usage(key, samples=0) or 0
    encoding = r.object("encoding", key)
    # Redis keeps a hash as a compact listpack only while every value is at most
    # hash-max-listpack-value bytes (64 by default); measure what the same hash would take.
    limit = str(r.config_get("hash-max-listpack-value")["hash-max-listpack-value"])
    r.config_set("hash-max-listpack-value", 4096)
    try:
        r.hset("bench:scratch", mapping=dict(r.hgetall(key).items()))
        compact = r.memory_usage("bench:scratch", samples=0) or 0
    finally:
        r.delete("bench:scratch")
        r.config_set("hash-max-listpack-value", limit)
    values = r.hvals(key)
    b.notes.append(
        f"one appointment hash: {encoding.decode() if encoding else '?'} encoding, "
        f"{len(values)} fields, {size:,} B; longest value {max(map(len, values))} B ('doc' "
        f"{r.hstrlen(key, 'doc')} B), shortest {min(map(len, values))} B; as a listpack it "
        f"would take {compact:,} B ({(size - compact) * len(appts) / pending:.0f} B less per "
        "reminder)."
    )


def fig12_plain(b: Bench) -> None:
    """One ETA task per reminder, planned by the same planner from the same appointments."""
    n_appts = b.sizes.booking // WITH_ONE_MEDICINE
    now = bulk_booking_time()
    appts = list(spread_appointments("book", 0, n_appts, now))
    warm = max(10, n_appts // 100)
    before = used_memory(b.plain_redis)
    b.results["plain_before"] = before

    def enqueue(batch: list[Appointment]) -> int:
        sent = 0
        for a in batch:
            for p in plan(a, epidural(), now):
                if p.state is ReminderState.SCHEDULED:
                    plain_remind.apply_async(args=(p.id,), eta=p.due_at)
                    sent += 1
        return sent

    enqueue(appts[:warm])
    t = time.perf_counter()
    timed = enqueue(appts[warm:])
    elapsed = time.perf_counter() - t
    queued = b.plain_redis.llen(PLAIN_QUEUE)
    if queued != b.sizes.booking:
        raise RuntimeError(f"expected {b.sizes.booking} queued ETA messages, found {queued}")
    b.results["book_plain"] = timed / elapsed
    b.results["bytes_plain"] = (used_memory(b.plain_redis) - before) / queued
    b.results["bytes_plain_list"] = (
        b.plain_redis.memory_usage(PLAIN_QUEUE, samples=0) or 0
    ) / queued
    progress(
        f"fig 1/2 plain: {timed / elapsed:,.0f} ETA tasks/s, {b.results['bytes_plain']:.0f} B/task"
    )


# --- figure 3: idle worker memory ----------------------------------------------------------


def idle_rss_ours(b: Bench, pending: int) -> None:
    procs = start_ours(b, interval=0.5, pool=["--pool=solo"])
    worker = procs[0]
    seen: set[bytes | str] = set()
    claimed = 0
    deadline = time.monotonic() + b.sizes.idle_seconds
    while time.monotonic() < deadline:
        at, summary = b.store_redis.hmget(Keys(PREFIX).dispatch, ["at", "summary"])
        if at is not None and at not in seen:
            seen.add(at)
            claimed += int(json.loads(summary or b"{}").get("claimed", 0))
        time.sleep(0.05)
    rss = rss_bytes(worker.popen.pid)
    for p in procs:
        p.stop()
    b.results[f"rss_ours_{pending}"] = rss
    b.results[f"ticks_ours_{pending}"] = len(seen)
    if claimed:
        raise RuntimeError(f"idle worker claimed {claimed} reminders; nothing should be due")
    progress(
        f"fig 3 ours: {pending:,} pending -> worker RSS {rss / MIB:.1f} MiB "
        f"({len(seen)} ticks seen, none claimed anything)"
    )


def idle_rss_plain(b: Bench, held: int) -> None:
    """RSS of a plain worker once it has pulled every queued ETA task into memory."""
    worker = start_plain_worker(b, ["--pool=solo"])
    t = time.perf_counter()
    if held == 0:
        plain_ready(worker)
    else:

        def all_held() -> bool:
            return b.plain_redis.llen(PLAIN_QUEUE) == 0 and b.plain_redis.hlen("unacked") >= held

        wait_until(
            all_held, f"the plain worker to prefetch {held:,} ETA tasks", 120 + held / 200, [worker]
        )
        b.results[f"pull_plain_{held}"] = held / (time.perf_counter() - t)
        b.results[f"bytes_unacked_{held}"] = used_memory(b.plain_redis)
    time.sleep(b.sizes.idle_seconds)
    rss = rss_bytes(worker.popen.pid)
    # Killed, not stopped: a warm shutdown would first push every held message back to the
    # queue (minutes for 100k), and the db is flushed right after anyway.
    worker.stop(kill=True)
    b.results[f"rss_plain_{held}"] = rss
    progress(f"fig 3 plain: {held:,} ETA tasks held -> worker RSS {rss / MIB:.1f} MiB")


def enqueue_plain_bulk(b: Bench, count: int) -> None:
    booked = bulk_booking_time()
    for a in spread_appointments("held", 0, count // WITH_ONE_MEDICINE, booked):
        for p in plan(a, epidural(), booked):
            plain_remind.apply_async(args=(p.id,), eta=p.due_at)
    if b.plain_redis.llen(PLAIN_QUEUE) != count:
        raise RuntimeError(
            f"expected {count} queued ETA messages, found {b.plain_redis.llen(PLAIN_QUEUE)}"
        )


# --- figure 4: cost of one dispatch tick ---------------------------------------------------


def tick_cost(b: Bench, size: int) -> None:
    """Median wall time of dispatch_tick with exactly ``tick_due`` reminders due in a store
    holding ``size`` bulk reminders. The due ones are booking confirmations (SMS only, no
    medicine) booked yesterday noon UTC; their appointments' other reminders, like every bulk
    one, are due from tomorrow on. Each round books fresh due appointments and cancels them
    after the tick, so every round claims the same amount from the same index size."""
    due_at = (datetime.now(UTC) - timedelta(days=1)).replace(
        hour=12, minute=0, second=0, microsecond=0
    )
    noop: Callable[[str, str], None] = lambda rid, token: None  # noqa: E731
    times: list[float] = []
    pending = 0
    for rep in range(b.sizes.tick_repeats + 1):  # the first round only warms up
        ids = [f"due{rep}-{i:04d}" for i in range(b.sizes.tick_due)]
        for i, aid in enumerate(ids):
            a = appointment(
                aid, i, due_at + timedelta(days=40), medicine=False, channels=("sms",), zone="UTC"
            )
            book(b.store, a, epidural(), due_at)
        if b.store.reminders.due_count(due_at) != b.sizes.tick_due:
            raise RuntimeError(
                f"expected {b.sizes.tick_due} due, found {b.store.reminders.due_count(due_at)}"
            )
        pending = b.store.reminders.pending_count()
        t = time.perf_counter()
        summary = dispatch_tick(b.store, due_at, noop, batch=500)
        elapsed = time.perf_counter() - t
        if summary.get("claimed") != b.sizes.tick_due or summary.get("backlog") != 0:
            raise RuntimeError(f"unexpected tick summary {summary}")
        if rep:
            times.append(elapsed)
        for aid in ids:  # cancelling drops their claimed and future reminders from the index
            cancel(b.store, aid, due_at, "benchmark cleanup")
    b.results[f"tick_{size}"] = statistics.median(times)
    b.results[f"tick_pending_{size}"] = pending
    progress(
        f"fig 4: {pending:,} pending, {b.sizes.tick_due} due -> tick "
        f"{statistics.median(times) * 1000:.1f} ms (median of {len(times)})"
    )


# --- figure 5: delivery through real workers -----------------------------------------------


@dataclass(frozen=True)
class Timeline:
    steady: list[datetime]  # one due time per pair of reminders (SMS + email)
    burst_at: datetime
    burst_pairs: int

    def all_pairs(self) -> Iterator[tuple[str, datetime]]:
        for i, at in enumerate(self.steady):
            yield f"steady-{i:05d}", at
        for i in range(self.burst_pairs):
            yield f"burst-{i:05d}", self.burst_at


def timeline(s: Sizes, start: datetime) -> Timeline:
    pairs = int(s.steady_rate * s.steady_seconds / 2)
    gap = 2 / s.steady_rate
    steady = [start + timedelta(seconds=i * gap) for i in range(pairs)]
    return Timeline(steady, steady[-1] + timedelta(seconds=5), s.burst // 2)


SEND_ZONES = (
    "UTC",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Asia/Dubai",
    "Europe/Berlin",
    "America/Sao_Paulo",
    "America/New_York",
    "America/Los_Angeles",
    "Pacific/Auckland",
)


def window_zone(start: datetime, end: datetime) -> str:
    """A zone whose local time stays inside the 08:00-20:00 send window for the whole run, so
    booking confirmations fall due exactly at booking and not at the next window opening."""
    for zone in SEND_ZONES:
        lo, hi = start.astimezone(ZoneInfo(zone)).time(), end.astimezone(ZoneInfo(zone)).time()
        if clock_time(8, 5) <= lo < hi <= clock_time(19, 55):
            return zone
    raise RuntimeError("no candidate zone is inside its send window right now")


@dataclass(frozen=True)
class Delivery:
    lateness: list[float]  # seconds, sent minus due
    sent_at: list[float]

    @classmethod
    def of(cls, done: dict[str, tuple[float, float]], phase: str) -> Delivery:
        pairs = [due_sent for rid, due_sent in done.items() if rid.startswith(phase)]
        return cls([sent - due for due, sent in pairs], [sent for _, sent in pairs])

    @property
    def early(self) -> int:
        return sum(1 for x in self.lateness if x < 0)


def summarize(b: Bench, side: str, plan_: Timeline, done: dict[str, tuple[float, float]]) -> None:
    """``done`` maps reminder id to (due, sent) in Unix seconds."""
    steady, burst = Delivery.of(done, "steady"), Delivery.of(done, "burst")
    first_due = plan_.steady[0].timestamp()
    b.results[f"rate_{side}"] = len(steady.sent_at) / (max(steady.sent_at) - first_due)
    b.results[f"p50_{side}"] = percentile(steady.lateness, 50)
    b.results[f"p99_{side}"] = percentile(steady.lateness, 99)
    b.results[f"max_{side}"] = max(steady.lateness)
    b.results[f"early_{side}"] = steady.early + burst.early
    b.results[f"burst_{side}"] = len(burst.sent_at) / (
        max(burst.sent_at) - plan_.burst_at.timestamp()
    )
    b.results[f"burst_p99_{side}"] = percentile(burst.lateness, 99)
    b.results[f"min_late_{side}"] = min(steady.lateness + burst.lateness)
    progress(
        f"fig 5 {side}: {b.results[f'rate_{side}']:.1f} msg/s delivered, lateness p50 "
        f"{b.results[f'p50_{side}'] * 1000:.0f} ms p99 {b.results[f'p99_{side}'] * 1000:.0f}"
        f" ms, {b.results[f'early_{side}']:.0f} early; burst "
        f"{b.results[f'burst_{side}']:.0f} msg/s"
    )


def deliver_ours(b: Bench) -> None:
    procs = start_ours(b, interval=0.2, pool=["--pool=prefork", "--concurrency=2"])
    s = b.sizes
    pairs = int(s.steady_rate * s.steady_seconds / 2) + s.burst // 2
    # Booking is part of the run, so the first reminder falls due only after it has finished.
    start = datetime.now(UTC) + timedelta(seconds=3 + pairs / 400)
    plan_ = timeline(s, start)
    zone = window_zone(start, plan_.burst_at + timedelta(minutes=5))
    expected: list[str] = []
    for i, (aid, at) in enumerate(plan_.all_pairs()):
        a = appointment(aid, i, at + timedelta(days=30), zone=zone)
        for p in book(b.store, a, epidural(), at).planned:
            if p.rule == "booking_confirmation":
                if p.due_at != at:
                    raise RuntimeError(f"{p.id} due {p.due_at}, expected {at}")
                expected.append(p.id)
    if datetime.now(UTC) >= start:
        raise RuntimeError("booking took longer than its lead; the first reminders are late")
    progress(
        f"fig 5 ours: {len(expected):,} reminders booked to fall due from "
        f"{start:%H:%M:%S}Z; waiting for delivery"
    )
    outbox = Keys(PREFIX).outbox
    wait_until(
        lambda: b.store_redis.llen(outbox) >= len(expected),
        "ours to deliver",
        (plan_.burst_at - datetime.now(UTC)).total_seconds() + 120,
        procs,
    )
    for proc in procs:
        proc.stop()
    done: dict[str, tuple[float, float]] = {}
    for rid in expected:
        rec = b.store.reminders.get(rid)
        if rec is None or rec.state is not ReminderState.SENT or rec.changed_at is None:
            raise RuntimeError(f"{rid} was not sent: {rec}")
        done[rid] = (rec.due_at.timestamp(), rec.changed_at.timestamp())
    summarize(b, "ours", plan_, done)


def deliver_plain(b: Bench) -> None:
    worker = start_plain_worker(b, ["--pool=prefork", "--concurrency=2"])
    plain_ready(worker)
    s = b.sizes
    pairs = int(s.steady_rate * s.steady_seconds / 2) + s.burst // 2
    start = datetime.now(UTC) + timedelta(seconds=3 + pairs / 400)
    plan_ = timeline(s, start)
    due: dict[str, float] = {}
    for aid, at in plan_.all_pairs():
        for channel in ("sms", "email"):
            rid = f"{aid}:1:booking_confirmation:-:{channel}"
            plain_remind.apply_async(args=(rid,), eta=at)
            due[rid] = at.timestamp()
    if datetime.now(UTC) >= start:
        raise RuntimeError("enqueueing took longer than its lead; the first tasks are late")
    wait_until(
        lambda: b.plain_redis.llen(PLAIN_DONE_KEY) >= len(due),
        "plain to deliver",
        (plan_.burst_at - datetime.now(UTC)).total_seconds() + 120,
        [worker],
    )
    worker.stop()
    done: dict[str, tuple[float, float]] = {}
    for raw in b.plain_redis.lrange(PLAIN_DONE_KEY, 0, -1):
        rid, at = json.loads(raw)
        done[rid] = (due[rid], at)
    summarize(b, "plain", plan_, done)


# --- the report ----------------------------------------------------------------------------


def fmt_n(n: float) -> str:
    return f"{n / 1_000_000:g}M" if n >= 1_000_000 else f"{n / 1000:g}k" if n >= 1000 else f"{n:g}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def report(b: Bench, *, quick: bool) -> str:
    r, s = b.results, b.sizes
    rows: list[tuple[str, str, str, str, str]] = []
    ratio = r["book_ours"] / r["book_plain"]
    rows.append(
        (
            "1 Booking throughput, reminders/s",
            f"{r['book_ours']:,.0f}",
            f"{r['book_plain']:,.0f}",
            "ours >= 5x plain",
            f"{verdict(ratio >= 5)} ({ratio:.1f}x)",
        )
    )
    rows.append(
        (
            "2 Redis bytes per pending reminder",
            f"{r['bytes_ours']:,.0f} B",
            f"{r['bytes_plain']:,.0f} B",
            "ours <= 500 B",
            verdict(r["bytes_ours"] <= 500),
        )
    )
    big = s.ours_rss[-1]
    if f"bytes_ours_{big}" in r:
        rows.append(
            (
                f"  same, store at {fmt_n(big)} pending",
                f"{r[f'bytes_ours_{big}']:,.0f} B",
                "",
                "ours <= 500 B",
                verdict(r[f"bytes_ours_{big}"] <= 500),
            )
        )
    base_ours, base_plain = r[f"rss_ours_{s.ours_rss[0]}"], r[f"rss_plain_{s.plain_rss[0]}"]
    for n in sorted(set(s.ours_rss) | set(s.plain_rss)):
        ours = r.get(f"rss_ours_{n}")
        plain = r.get(f"rss_plain_{n}")
        rows.append(
            (
                f"3 Worker RSS, {fmt_n(n)} pending",
                f"{ours / MIB:.1f} MiB" if ours is not None else "-",
                f"{plain / MIB:.1f} MiB" if plain is not None else "-",
                "",
                "",
            )
        )
    top = s.plain_rss[-1]
    slope = (r[f"rss_plain_{top}"] - base_plain) / top
    if big > top:
        rows.append(
            (
                f"  plain at {fmt_n(big)}, extrapolated",
                "",
                f"~{(base_plain + slope * big) / MIB:,.0f} MiB",
                "",
                "",
            )
        )
    growth = max((r[f"rss_ours_{n}"] - base_ours for n in s.ours_rss), key=abs)
    rows.append(
        (
            f"  growth over empty (0 -> {fmt_n(big)})",
            f"{growth / MIB:+.1f} MiB",
            f"{(r[f'rss_plain_{top}'] - base_plain) / MIB:+.1f} MiB (0 -> {fmt_n(top)})",
            "ours within 20 MiB",
            verdict(abs(growth) <= 20 * MIB),
        )
    )
    small, large = s.tick
    tick_ratio = r[f"tick_{large}"] / r[f"tick_{small}"]
    for n in (small, large):
        rows.append(
            (
                f"4 Dispatch tick, {s.tick_due} due, {fmt_n(n)} pending",
                f"{r[f'tick_{n}'] * 1000:.1f} ms",
                "n/a",
                "",
                "",
            )
        )
    rows.append(
        (
            f"  ratio {fmt_n(large)} / {fmt_n(small)}",
            f"{tick_ratio:.2f}x",
            "n/a",
            "<= 1.5x",
            verdict(tick_ratio <= 1.5),
        )
    )
    rows.append(
        (
            f"5 Delivered, steady {s.steady_rate:g}/s offered",
            f"{r['rate_ours']:.1f} msg/s",
            f"{r['rate_plain']:.1f} msg/s",
            "",
            "",
        )
    )
    rows.append(
        (
            "  lateness p50 / p99",
            f"{r['p50_ours'] * 1000:.0f} / {r['p99_ours'] * 1000:.0f} ms",
            f"{r['p50_plain'] * 1000:.0f} / {r['p99_plain'] * 1000:.0f} ms",
            "",
            "",
        )
    )
    rows.append(
        (
            "  sent before due",
            f"{r['early_ours']:.0f}",
            f"{r['early_plain']:.0f}",
            "none",
            verdict(r["early_ours"] == 0),
        )
    )
    rows.append(
        (
            f"  burst: {s.burst:,} due at once",
            f"{r['burst_ours']:.0f} msg/s",
            f"{r['burst_plain']:.0f} msg/s",
            "",
            "",
        )
    )
    head = ("Figure", "Ours", "Plain Celery ETA", "Target", "Result")
    widths = [max(len(row[i]) for row in [head, *rows]) for i in range(5)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in [head, *rows]
    ]
    lines.insert(1, "  ".join("-" * w for w in widths))
    title = "QUICK run (small sizes: a smoke check, not the figures)" if quick else "FULL run"
    return "\n".join([title, environment(b), "", *lines, "", *details(b)])


def environment(b: Bench) -> str:
    """What was measured, on what: the code is edited concurrently and the machine is shared."""

    def git(*args: str) -> str:
        out = subprocess.run(
            ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=False
        )
        return out.stdout.strip()

    changed = len(git("status", "--porcelain", "--", "reminders").splitlines())
    server = b.store_redis.info("server")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        f"code {git('rev-parse', '--short', 'HEAD') or '?'} with {changed} changed paths "
        f"under reminders/; redis-server {server['redis_version']}, Celery "
        f"{celery_version}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs; "
        f"load average at the end {load}"
    )


def details(b: Bench) -> list[str]:
    r, s = b.results, b.sizes
    top = s.plain_rss[-1]
    out = [
        "Details",
        f"- booking: {r['book_appts']:,.0f} appointments/s through book() (16 reminders each,"
        " one client, sequential); plain = plan() + one apply_async(eta=...) per reminder.",
        *[f"- {note}" for note in b.notes],
        f"- plain: the queue list alone is {r['bytes_plain_list']:.0f} B per ETA message; once "
        f"a worker has prefetched them they sit in the 'unacked' hash and index instead "
        f"({(r[f'bytes_unacked_{top}'] - r['plain_before']) / top:,.0f} B per task of "
        "used_memory while held).",
        f"- plain worker prefetch speed: {r[f'pull_plain_{top}']:,.0f} ETA tasks/s; every ETA "
        "task is held in worker memory and in the broker's unacked hash until it runs.",
        "- idle ours workers: --pool=solo, beat every 0.5 s; ticks seen per measurement: "
        + ", ".join(f"{fmt_n(n)}: {r[f'ticks_ours_{n}']:.0f}" for n in s.ours_rss)
        + ".",
        "- figure 4 has no plain counterpart: a plain worker does not poll, it keeps one timer"
        " per prefetched ETA task (hence figure 3).",
        f"- dispatch ticks: median of {s.tick_repeats}; pending at tick time "
        + ", ".join(f"{r[f'tick_pending_{n}']:,.0f}" for n in s.tick)
        + " (the due appointments' later reminders included).",
        f"- delivery: worker --pool=prefork --concurrency=2, beat every 0.2 s, system clock; "
        f"{s.steady_rate * s.steady_seconds:,.0f} reminders due over {s.steady_seconds:g} s, "
        f"then {s.burst:,} due at one instant. Lateness = time recorded on the reminder when "
        f"sent minus its due time; max steady {r['max_ours'] * 1000:.0f} ms (plain "
        f"{r['max_plain'] * 1000:.0f} ms); burst p99 {r['burst_p99_ours']:.2f} s (plain "
        f"{r['burst_p99_plain']:.2f} s); smallest lateness seen {r['min_late_ours'] * 1000:.0f}"
        f" ms (plain {r['min_late_plain'] * 1000:.0f} ms).",
        "- the plain task only records the time it ran (no rendering, no state): its delivery"
        " rate is an upper bound, not a like-for-like figure.",
    ]
    return out


# --- main ----------------------------------------------------------------------------------


def run(b: Bench) -> None:
    s = b.sizes
    plain_app.conf.broker_url = b.url(1)

    progress("fig 1/2: booking and bytes")
    fig12_ours(b)
    b.flush()

    progress("fig 3 plain: idle worker with ETA tasks held")
    for held in s.plain_rss[:-1]:
        enqueue_plain_bulk(b, held)
        idle_rss_plain(b, held)
        b.flush()
    fig12_plain(b)  # also leaves the largest plain backlog queued for its worker
    idle_rss_plain(b, s.plain_rss[-1])
    b.flush()

    progress("fig 4: dispatch tick, small store")
    fill_store(b, s.tick[0], bulk_booking_time())
    tick_cost(b, s.tick[0])
    b.flush()

    progress("fig 3 ours: idle worker by store size")
    booked = bulk_booking_time()
    loaded_bytes = 0
    for n in s.ours_rss:
        before = used_memory(b.store_redis)
        fill_store(b, n, booked)
        loaded_bytes += used_memory(b.store_redis) - before
        if n:
            b.results[f"bytes_ours_{n}"] = loaded_bytes / n
        idle_rss_ours(b, n)

    if s.tick[1] == s.ours_rss[-1]:
        progress("fig 4: dispatch tick, large store")
        tick_cost(b, s.tick[1])
    else:
        b.flush()
        fill_store(b, s.tick[1], booked)
        tick_cost(b, s.tick[1])
    b.flush()

    progress("fig 5: delivery on the system clock")
    deliver_ours(b)
    b.flush()
    deliver_plain(b)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (10k max): smoke check")
    args = parser.parse_args(argv)
    server = EmbeddedRedis().start()
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        b = Bench(QUICK if args.quick else FULL, server, Path(tmp))
        try:
            progress(f"redis-server on port {server.port}; logs in {tmp}")
            run(b)
            print(report(b, quick=args.quick))
        except BaseException:
            for p in b.procs:
                print(p.tail(), file=sys.stderr)
            raise
        finally:
            b.stop_all()
            server.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
