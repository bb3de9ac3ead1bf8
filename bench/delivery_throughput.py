# ruff: noqa: E501, S105, S310, PLR0912, PLR0915 - a benchmark script: wide table rows, a local fake's token and URLs
"""Delivery throughput: bursts of SMS reminders due at once, delivered through the real Twilio SDK
to a Twilio-compatible server (``fake_twilio_server.py``, its own process) answering each create
at once or after 150 ms, side by side in one run:

- ours: real Celery workers (prefork, 2, or ``--concurrency``) and beat at the default settings (dispatch interval,
  due check, delivery batch, send threads), reminders booked in the store, claimed, delivered in
  batches with every per-reminder guarantee;
- the Twilio sample's design (``twilio_sample.py``): one ETA task per reminder calling the SDK,
  no state, the same worker pool;
- the SDK alone: one process sending sequentially on one kept-alive connection
  (``trust_env=False``), the floor a process reaches without Celery or Redis.

For each: messages a second (first to last create the server saw), lateness p50/p99 (create at
the server minus the due time), worker CPU per message (utime + stime of the worker and its pool
processes), Redis commands per message (``INFO commandstats``, every command including those a
Lua script runs and the broker's) and Redis round trips per message (``total_reads_processed``:
reads of requests, a pipeline counting once), all on a private ``redis-server`` this script
starts. A burst too slow to finish soon (the sample and the floor at 150 ms) is measured over a
window of ``--window`` seconds and its lateness projected from that rate (marked ``~``).

    .venv/bin/python bench/delivery_throughput.py [--repeat 3] [--quick]

Progress goes to stderr, the table (medians of the repeats) to stdout."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import redis
from celery import Celery
from twilio.rest import Client

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

from reminders.api.validation import parse  # noqa: E402
from reminders.booking import book  # noqa: E402
from reminders.channels.twilio.http import ConfiguredHttpClient  # noqa: E402
from reminders.schedule import Schedule, find, load  # noqa: E402
from reminders.store import Store  # noqa: E402

from reminders.devtools.embedded_redis import EmbeddedRedis  # noqa: E402  # isort: skip

CELERY_BIN = str(Path(sys.executable).with_name("celery"))
PREFIX = "bench"
ACCOUNT = "AC" + "0" * 32
TOKEN = "bench-auth-token-0123456789abcdef"
SERVICE = "MG" + "1" * 32
TICKS = os.sysconf("SC_CLK_TCK")
_T0 = time.monotonic()


def progress(message: str) -> None:
    print(f"[{time.monotonic() - _T0:6.1f}s] {message}", file=sys.stderr, flush=True)


# --- processes ---------------------------------------------------------------------------------


@dataclass
class Procs:
    workdir: Path
    running: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def spawn(
        self, name: str, args: list[str], env: dict[str, str], cwd: Path = ROOT
    ) -> subprocess.Popen[bytes]:
        with (self.workdir / f"{name}.log").open("ab") as out:
            p = subprocess.Popen(args, env=env, cwd=cwd, stdout=out, stderr=subprocess.STDOUT)
        self.running.append(p)
        return p

    def stop(self, *procs: subprocess.Popen[bytes]) -> None:
        for p in procs:
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(20)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(5)
            if p in self.running:
                self.running.remove(p)

    def log(self, name: str) -> str:
        path = self.workdir / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def wait_for(
    ready: Callable[[], bool], what: str, timeout: float, procs: Procs | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if time.monotonic() > deadline:
            logs = (
                ""
                if procs is None
                else "\n".join(procs.log(n) for n in ("ours-worker", "sample-worker"))
            )
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for {what}\n{logs}")
        time.sleep(0.05)


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) of a process and its children, from /proc."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def rest_cpu(*pids: int) -> float:
    return sum(tree_cpu(pid) for pid in pids)


class Fake:
    def __init__(self, procs: Procs, latency: float) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(BENCH_DIR / "fake_twilio_server.py"), "--latency", str(latency)],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        assert self.proc.stdout is not None
        self.url = f"http://127.0.0.1:{int(self.proc.stdout.readline())}"
        self.latency = latency

    def creates(self) -> list[tuple[float, str]]:
        with urllib.request.urlopen(f"{self.url}/_bench/creates", timeout=30) as r:
            return [(float(t), str(to)) for t, to in json.loads(r.read())]

    def count(self) -> int:
        with urllib.request.urlopen(f"{self.url}/_bench/count", timeout=30) as r:
            return int(json.loads(r.read())["count"])

    def reset(self) -> None:
        req = urllib.request.Request(f"{self.url}/_bench/reset", data=b"", method="POST")
        urllib.request.urlopen(req, timeout=30).close()

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait(5)


# --- Redis figures -----------------------------------------------------------------------------


class RedisMeter:
    """Commands and request reads on the private server, less the meter's own."""

    def __init__(self, client: redis.Redis) -> None:
        self.r = client

    def snapshot(self) -> tuple[int, int]:
        stats = self.r.info("commandstats")
        calls = sum(int(v["calls"]) for k, v in stats.items() if k != "cmdstat_info")
        reads = int(self.r.info("stats")["total_reads_processed"])
        return calls, reads - 2  # the two INFO requests of this snapshot


# --- the bursts --------------------------------------------------------------------------------


@dataclass
class Figures:
    rate: float
    p50: float | None
    p99: float | None
    cpu_ms: float | None
    cmds: float | None
    trips: float | None
    projected: bool = False
    sent: int = 0
    # CPU of the rest of the box per message: Redis, the fake Twilio and (ours) beat. The
    # 2 cores are shared, so this is part of what limits the rate.
    rest_ms: float | None = None


def percentile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(q * (len(s) - 1))))]


def from_arrivals(
    arrivals: list[tuple[float, str]], due: Callable[[str], float]
) -> tuple[float, float, float]:
    times = sorted(t for t, _ in arrivals)
    span = max(times[-1] - times[0], 1e-6)
    late = [t - due(to) for t, to in arrivals]
    return (len(times) - 1) / span, percentile(late, 0.5), percentile(late, 0.99)


def phone(n: int) -> str:
    return f"+4915112{n:07d}"


def daytime_zone() -> str:
    """A zone where it is day now, so no quiet hours move the booking confirmations."""
    for zone in (
        "UTC",
        "Europe/Berlin",
        "America/New_York",
        "Asia/Tokyo",
        "Australia/Sydney",
        "America/Los_Angeles",
    ):
        if 9 <= datetime.now(ZoneInfo(zone)).hour <= 17:
            return zone
    return "UTC"


def appointments(n: int, start: datetime, zone: str) -> list:  # type: ignore[type-arg]
    return [
        parse(
            {
                "external_id": f"B-{i}",
                "patient": {
                    "name": "Maria Rossi",
                    "timezone": zone,
                    "locale": "de" if i % 2 else "en",
                    "phone": phone(i),
                    "channels": ["sms"],
                },
                "procedure": {
                    "type": "epidural_steroid_injection",
                    "start": start.isoformat(),
                    "duration_minutes": 45,
                    "location": {
                        "name": "Riverside Radiology",
                        "address": "Hauptstraße 1, Berlin",
                        "phone": "+49 30 1234567",
                    },
                },
            }
        )
        for i in range(n)
    ]


@dataclass
class World:
    procs: Procs
    server: EmbeddedRedis
    schedule: Schedule
    zone: str

    def url(self, db: int) -> str:
        return f"redis://127.0.0.1:{self.server.port}/{db}"

    def client(self, db: int) -> redis.Redis:
        return redis.Redis.from_url(self.url(db))


def ours_env(w: World, fake: Fake) -> dict[str, str]:
    keep = (
        "REMINDERS_",
        "REDIS_URL",
        "CELERY_BROKER_URL",
        "TWILIO_",
        "SMS_",
        "PUBLIC_BASE_URL",
        "CLINIC_",
    )
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(keep)},
        "REDIS_URL": w.url(0),
        "CELERY_BROKER_URL": w.url(2),
        "REMINDERS_KEY_PREFIX": PREFIX,
        "REMINDERS_CLOCK": "system",
        "REMINDERS_CHANNELS": "twilio",
        "TWILIO_ACCOUNT_SID": ACCOUNT,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "TWILIO_MESSAGING_SERVICE_SID": SERVICE,
        "TWILIO_API_BASE_URL": fake.url,
        "PUBLIC_BASE_URL": "https://reminders.example.org",
        "REMINDERS_FINGERPRINT_KEY": "bench-fingerprint-key-0123456789abcdef",
        # The shared rate limit is on the path (every send takes its tokens) but not the bound.
        "SMS_RATE_PER_SECOND": "1000000",
        "PYTHONPATH": str(ROOT),
        **OURS_SETTINGS,
    }


# --set: our workers' settings other than the defaults, for trying one out.
OURS_SETTINGS: dict[str, str] = {}
# --concurrency: the prefork pool of both designs' worker, the same for both.
POOL = [2]


class Ours:
    def __init__(self, w: World, fake: Fake) -> None:
        self.w, self.fake = w, fake
        self.store = Store(w.client(0), PREFIX)
        env = ours_env(w, fake)
        app = [CELERY_BIN, "-A", "reminders.celery_app"]
        self.worker = w.procs.spawn(
            "ours-worker",
            [*app, "worker", f"--concurrency={POOL[0]}", "--loglevel=WARNING", "--without-gossip",
             "--without-mingle", "-Q", "reminders,reminders.dispatch", "--hostname", f"ours-{os.getpid()}@%h"],
            env,
        )  # fmt: skip
        self.beat = w.procs.spawn(
            "ours-beat",
            [*app, "beat", "--loglevel=WARNING", "--schedule", str(w.procs.workdir / f"beat-{time.time()}")],
            env,
        )  # fmt: skip
        started = time.time()
        wait_for(lambda: (self.store.ops.last_dispatch_run() or datetime.min.replace(tzinfo=UTC)).timestamp() > started,
                 "our first dispatch tick", 90, w.procs)  # fmt: skip

    def stop(self) -> None:
        self.w.procs.stop(self.worker, self.beat)

    def burst(self, n: int) -> Figures:
        self.w.client(0).flushdb()
        self.fake.reset()
        meter = RedisMeter(self.w.client(0))
        due = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3 + n / 1500)
        for appt in appointments(n, due + timedelta(days=5), self.w.zone):
            book(self.store, appt, self.w.schedule, due)
        if datetime.now(UTC) > due - timedelta(seconds=0.5):
            progress(f"  (booking {n} took longer than planned: lateness is overstated)")
        while datetime.now(UTC) < due - timedelta(seconds=0.5):
            time.sleep(0.05)
        calls0, reads0 = meter.snapshot()
        cpu0 = tree_cpu(self.worker.pid)
        rest0 = rest_cpu(self.w.server.proc.pid, self.fake.proc.pid, self.beat.pid)
        wait_for(lambda: self.fake.count() >= n, f"{n} creates", 60 + n / 50, self.w.procs)
        polls = 0

        def recorded() -> bool:
            nonlocal polls
            polls += 1
            return self.store.ops.counters().get("sent", 0) >= n

        wait_for(recorded, "every outcome recorded", 60, self.w.procs)
        calls1, reads1 = meter.snapshot()
        cpu1 = tree_cpu(self.worker.pid)
        rest1 = rest_cpu(self.w.server.proc.pid, self.fake.proc.pid, self.beat.pid)
        arrivals = self.fake.creates()
        if len({to for _, to in arrivals}) != len(arrivals):
            raise RuntimeError("ours sent a reminder twice")
        rate, p50, p99 = from_arrivals(arrivals, lambda to: due.timestamp())
        return Figures(rate, p50, p99, (cpu1 - cpu0) * 1000 / n, (calls1 - calls0 - polls) / n,
                       (reads1 - reads0 - polls) / n, sent=n, rest_ms=(rest1 - rest0) * 1000 / n)  # fmt: skip

    def trickle(self, count: int, seconds: float) -> tuple[float, float]:
        """Reminders falling due one after another (not a burst): the lateness the dispatch
        settings give. Returns (p50, p99) seconds."""
        self.w.client(0).flushdb()
        self.fake.reset()
        first = datetime.now(UTC) + timedelta(seconds=5)
        dues: dict[str, float] = {}
        for i, appt in enumerate(appointments(count, first + timedelta(days=5), self.w.zone)):
            at = first + timedelta(seconds=seconds * i / count)
            book(self.store, appt, self.w.schedule, at)
            dues[appt.patient.phone or ""] = at.timestamp()
        wait_for(lambda: self.fake.count() >= count, "the trickle", seconds + 60, self.w.procs)
        late = [t - dues[to] for t, to in self.fake.creates()]
        return percentile(late, 0.5), percentile(late, 0.99)


BODY = ("Riverside Radiology: Ihre Injektion ist am So., 28. März um 09:00 Uhr geplant. Danach "
        "dürfen Sie 24 Stunden lang nicht fahren.")  # fmt: skip


class Sample:
    def __init__(self, w: World, fake: Fake) -> None:
        self.w, self.fake = w, fake
        self.sender = Celery(broker=w.url(1))
        self.worker: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.w.client(1).flushdb()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("BENCH_", "TWILIO_"))},
            "BENCH_SAMPLE_BROKER_URL": self.w.url(1),
            "TWILIO_ACCOUNT_SID": ACCOUNT,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_API_BASE_URL": self.fake.url,
            "PYTHONPATH": f"{BENCH_DIR}:{ROOT}",
        }
        self.worker = self.w.procs.spawn(
            "sample-worker",
            [CELERY_BIN, "-A", "twilio_sample:app", "worker", f"--concurrency={POOL[0]}", "--loglevel=WARNING",
             "--without-gossip", "--without-mingle", "--hostname", f"sample-{os.getpid()}@%h"],
            env, BENCH_DIR,
        )  # fmt: skip
        wait_for(
            lambda: bool(self.sender.control.ping(timeout=0.5)),
            "the sample worker",
            60,
            self.w.procs,
        )

    def stop(self) -> None:
        if self.worker is not None:
            self.w.procs.stop(self.worker)
            self.worker = None

    def burst(self, n: int, window: float | None) -> Figures:
        """``window``: stop after that many seconds and project (the worker is restarted)."""
        if self.worker is None:
            self.start()
        assert self.worker is not None
        self.fake.reset()
        meter = RedisMeter(self.w.client(1))
        due = datetime.now(UTC) + timedelta(seconds=3 + n / 2500)
        with self.sender.connection_for_write() as conn:
            for i in range(n):
                self.sender.send_task(
                    "sample.send_sms_reminder", (phone(i), BODY), eta=due, connection=conn
                )
        while datetime.now(UTC) < due - timedelta(seconds=0.5):
            time.sleep(0.05)
        calls0, reads0 = meter.snapshot()
        cpu0 = tree_cpu(self.worker.pid)
        rest0 = rest_cpu(self.w.server.proc.pid, self.fake.proc.pid)
        if window is None:
            wait_for(
                lambda: self.fake.count() >= n, f"{n} sample creates", 60 + n / 50, self.w.procs
            )
        else:
            time.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()) + window)
        calls1, reads1 = meter.snapshot()
        cpu1 = tree_cpu(self.worker.pid)
        rest1 = rest_cpu(self.w.server.proc.pid, self.fake.proc.pid)
        arrivals = self.fake.creates()
        done = len(arrivals)
        rate, p50, p99 = from_arrivals(arrivals, lambda to: due.timestamp())
        if window is not None:
            self.stop()  # it holds the rest of the ETA tasks
            return Figures(rate, 0.5 * n / rate, 0.99 * n / rate, (cpu1 - cpu0) * 1000 / done,
                           (calls1 - calls0) / done, (reads1 - reads0) / done, projected=True, sent=done,
                           rest_ms=(rest1 - rest0) * 1000 / done)  # fmt: skip
        return Figures(
            rate,
            p50,
            p99,
            (cpu1 - cpu0) * 1000 / n,
            (calls1 - calls0) / n,
            (reads1 - reads0) / n,
            sent=n,
            rest_ms=(rest1 - rest0) * 1000 / n,
        )


def floor(fake: Fake, n: int, window: float | None) -> Figures:
    """The SDK alone: one client, one kept-alive connection, one create after another."""
    fake.reset()
    http = ConfiguredHttpClient(fake.url, 5.0, 15.0, pool_size=1, trust_env=False)
    client = Client(ACCOUNT, TOKEN, http_client=http)
    cpu0, t0 = time.process_time(), time.monotonic()
    done = 0
    while done < n and (window is None or time.monotonic() - t0 < window):
        client.messages.create(to=phone(done), messaging_service_sid=SERVICE, body=BODY)
        done += 1
    cpu = time.process_time() - cpu0
    rate = done / (time.monotonic() - t0)
    return Figures(
        rate,
        0.5 * n / rate,
        0.99 * n / rate,
        cpu * 1000 / done,
        None,
        None,
        projected=True,
        sent=done,
    )


# --- the run -----------------------------------------------------------------------------------


def med(values: list[float | None]) -> float | None:
    got = [v for v in values if v is not None]
    return statistics.median(got) if got else None


def fmt(v: float | None, spec: str, projected: bool = False) -> str:
    if v is None:
        return "-"
    return ("~" if projected else "") + format(v, spec)


def table(
    results: dict[tuple[str, float, int], list[Figures]], sizes: list[int], latencies: list[float]
) -> str:
    names = {"ours": f"ours (batches, prefork {POOL[0]})", "sample": f"Twilio sample (task per reminder, prefork {POOL[0]})",
             "floor": "SDK alone, 1 process, sequential"}  # fmt: skip
    head = "| provider latency | burst | design | msgs/s | lateness p50 | lateness p99 | worker CPU/msg | rest of box CPU/msg | Redis cmds/msg | Redis round trips/msg |"
    lines = [head, "|---|---|---|---|---|---|---|---|---|---|"]
    for latency in latencies:
        for n in sizes:
            for design in ("ours", "sample", "floor"):
                runs = results.get((design, latency, n), [])
                if not runs:
                    continue
                proj = any(r.projected for r in runs)
                lines.append(
                    f"| {latency * 1000:.0f} ms | {n:,} | {names[design]} | {fmt(med([r.rate for r in runs]), ',.0f')} "
                    f"| {fmt(med([r.p50 for r in runs]), '.2f', proj)} s | {fmt(med([r.p99 for r in runs]), '.2f', proj)} s "
                    f"| {fmt(med([r.cpu_ms for r in runs]), '.2f')} ms | {fmt(med([r.rest_ms for r in runs]), '.2f')} ms "
                    f"| {fmt(med([r.cmds for r in runs]), '.1f')} "
                    f"| {fmt(med([r.trips for r in runs]), '.2f')} |"
                )
            ours = med([r.rate for r in results.get(("ours", latency, n), [])])
            sample = med([r.rate for r in results.get(("sample", latency, n), [])])
            if ours and sample:
                lines.append(f"| | | ours / sample | {ours / sample:.2f}x | | | | | | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--sizes", default="2000,10000")
    p.add_argument("--latencies", default="0,0.15", help="seconds per create at the fake")
    p.add_argument("--window", type=float, default=15.0, help="seconds a slow burst is measured")
    p.add_argument("--quick", action="store_true", help="one repeat of a 2,000 burst")
    p.add_argument(
        "--trickle", type=int, default=300, help="reminders for the lateness run (0: none)"
    )
    p.add_argument(
        "--set", action="append", default=[], metavar="NAME=VALUE",
        help="a setting of our workers other than its default (REMINDERS_SEND_THREADS=4)",
    )  # fmt: skip
    p.add_argument("--designs", default="ours,sample,floor", help="which designs to run")
    p.add_argument("--concurrency", type=int, default=2, help="both workers' prefork pool")
    args = p.parse_args(argv)
    POOL[0] = args.concurrency
    OURS_SETTINGS.update(dict(item.split("=", 1) for item in args.set))
    designs = set(args.designs.split(","))
    sizes = [2000] if args.quick else [int(x) for x in args.sizes.split(",")]
    latencies = [float(x) for x in args.latencies.split(",")]
    repeat = 1 if args.quick else args.repeat
    results: dict[tuple[str, float, int], list[Figures]] = defaultdict(list)
    trickle: list[tuple[float, float]] = []
    with tempfile.TemporaryDirectory(prefix="bench-delivery-") as tmp:
        procs = Procs(Path(tmp))
        server = EmbeddedRedis().start()
        w = World(procs, server, load(find("epidural_steroid_injection")), daytime_zone())
        load_before = os.getloadavg()
        try:
            for latency in latencies:
                fake = Fake(procs, latency)
                # Both designs' workers run side by side, and the designs take turns within
                # each repeat: this machine's speed drifts within minutes, and a design run
                # all at once, after the other, would get a different machine.
                ours = Ours(w, fake) if "ours" in designs else None
                sample = Sample(w, fake)
                try:
                    for rep in range(repeat):
                        for n in sizes:
                            if ours is not None:
                                progress(f"ours, {latency * 1000:.0f} ms, {n}, run {rep + 1}")
                                results[("ours", latency, n)].append(ours.burst(n))
                            if "sample" in designs:
                                progress(f"sample, {latency * 1000:.0f} ms, {n}, run {rep + 1}")
                                results[("sample", latency, n)].append(
                                    sample.burst(n, args.window if latency else None)
                                )
                            if "floor" in designs:
                                progress(f"SDK alone, {latency * 1000:.0f} ms, {n}, run {rep + 1}")
                                results[("floor", latency, n)].append(
                                    floor(fake, n, args.window if latency else None)
                                )
                    if ours and latency and args.trickle:
                        progress(f"ours, lateness of {args.trickle} reminders due over 30 s")
                        trickle.append(ours.trickle(args.trickle, 30.0))
                finally:
                    sample.stop()
                    if ours:
                        ours.stop()
                    fake.stop()
        finally:
            for proc in list(procs.running):
                procs.stop(proc)
            server.stop()
    print(f"Delivery throughput, {os.cpu_count()} cores, medians of {repeat} run(s); load average "
          f"before {load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}")  # fmt: skip
    if OURS_SETTINGS:
        print(
            "Our workers' settings other than the defaults: "
            + ", ".join(f"{k}={v}" for k, v in sorted(OURS_SETTINGS.items()))
        )
    print(table(results, sizes, latencies))
    if trickle:
        p50 = statistics.median(t[0] for t in trickle)
        p99 = statistics.median(t[1] for t in trickle)
        print(f"\nLateness at the default settings ({args.trickle} reminders falling due over 30 s, 150 ms "
              f"provider): p50 {p50:.2f} s, p99 {p99:.2f} s")  # fmt: skip
    print("\n~: measured over the window, lateness projected for the whole burst at that rate")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
