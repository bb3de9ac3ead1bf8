"""The real processes of a chaos run: Redis with an append-only file, Celery workers and beats,
the HTTP API and the fake Twilio, each logging to a file in the run's folder.

The harness kills some of them on purpose (``kill_worker``, ``kill_redis``). A watcher thread
restarts any other that exits by itself, as a supervisor would, and counts it: a worker that
exits after a Redis restart is such a self-exit."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from reminders.devtools.celery_procs import CELERY
from reminders.devtools.chaos import profile as prof
from reminders.devtools.embedded_redis import answers, free_port, server_binary


@dataclass
class Proc:
    role: str  # redis | worker | beat | api | fake
    name: str
    args: list[str]
    ready: Callable[[], bool] | None = None
    popen: subprocess.Popen[bytes] | None = None
    down_on_purpose: bool = False
    starts: int = 0

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


@dataclass
class Cluster:
    workdir: Path
    profile: prof.Profile
    redis_port: int = field(default_factory=free_port)
    api_port: int = field(default_factory=free_port)
    fake_port: int = field(default_factory=free_port)
    env: dict[str, str] = field(default_factory=dict)
    procs: dict[str, Proc] = field(default_factory=dict)
    self_exits: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)  # what the watcher did, for the report

    def __post_init__(self) -> None:
        self.lock = threading.RLock()
        self._stop = threading.Event()
        self._watcher: threading.Thread | None = None

    @property
    def redis_url(self) -> str:
        return f"redis://127.0.0.1:{self.redis_port}/0"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    @property
    def fake_url(self) -> str:
        return f"http://127.0.0.1:{self.fake_port}"

    # --- starting -----------------------------------------------------------------------------

    def start(self, clock_spec: str, seed: int) -> None:
        self.env = prof.environment(
            redis_url=self.redis_url,
            api_url=self.api_url,
            fake_url=self.fake_url,
            clock_spec=clock_spec,
        )
        redis_dir = self.workdir / "redis"
        redis_dir.mkdir()
        self._add(
            "redis",
            "redis",
            [
                server_binary(),
                *("--port", str(self.redis_port), "--bind", "127.0.0.1", "--dir", str(redis_dir)),
                *("--appendonly", "yes", "--appendfsync", "everysec", "--save", ""),
                *("--maxmemory-policy", "noeviction", "--daemonize", "no"),
            ],
            lambda: answers(self.redis_url),
        )
        self._add(
            "fake",
            "fake-twilio",
            [
                sys.executable,
                *("-m", "reminders.devtools.chaos.fake_twilio", "--port", str(self.fake_port)),
                *("--account-sid", prof.ACCOUNT_SID, "--auth-token", prof.AUTH_TOKEN),
                *("--faults", self.profile.faults, "--seed", str(seed)),
                *("--timeout-delay", str(prof.TIMEOUT_FAULT_DELAY)),
                *("--latency", ",".join(str(s) for s in prof.PROVIDER_LATENCY)),
            ],
            lambda: _http_ok(f"{self.fake_url}/_chaos/stats"),
        )
        self._add(
            "api",
            "api",
            [
                sys.executable,
                *("-m", "uvicorn", "reminders.api.app:create_app", "--factory"),
                *("--host", "127.0.0.1", "--port", str(self.api_port), "--log-level", "warning"),
            ],
            lambda: _http_ok(f"{self.api_url}/openapi.json"),
        )
        for n in range(1, self.profile.workers + 1):
            self._add("worker", f"worker-{n}", self._worker_args(f"worker-{n}"))
        self._add("beat", "beat-1", self._beat_args("beat-1"))
        for p in self.procs.values():
            self._launch(p)
            self._wait_ready(p)
        self._watcher = threading.Thread(target=self._watch, daemon=True)
        self._watcher.start()

    def _worker_args(self, name: str) -> list[str]:
        queue = self.env["REMINDERS_QUEUE"]
        return [
            *CELERY,
            "worker",
            f"--concurrency={self.profile.concurrency}",
            "--loglevel=WARNING",  # (INFO logs every Twilio request's headers)
            *("-Q", f"{queue},{queue}.dispatch", "--without-gossip", "--without-mingle"),
            *("--hostname", f"{name}@%h"),
        ]

    def _beat_args(self, name: str) -> list[str]:
        schedule = self.workdir / f"{name}-schedule"
        return [*CELERY, "beat", "--loglevel=WARNING", "--schedule", str(schedule)]

    def _add(
        self, role: str, name: str, args: list[str], ready: Callable[[], bool] | None = None
    ) -> Proc:
        p = Proc(role, name, args, ready)
        self.procs[name] = p
        return p

    def _launch(self, p: Proc) -> None:
        with (self.workdir / f"{p.name}.log").open("ab") as out:  # the child keeps its copy
            out.write(f"\n=== start {p.starts + 1} at {time.strftime('%H:%M:%S')}\n".encode())
            out.flush()
            # Its own process group: killing a worker kills its pool processes with it.
            p.popen = subprocess.Popen(
                p.args,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        p.starts += 1
        p.down_on_purpose = False

    def _wait_ready(self, p: Proc, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while p.ready is not None and not p.ready():
            if not p.alive() or time.monotonic() > deadline:
                raise RuntimeError(f"{p.name} did not start:\n{self.tail(p.name)}")
            time.sleep(0.05)

    # --- chaos --------------------------------------------------------------------------------

    def kill_worker(self, name: str, *, whole: bool) -> bool:
        """SIGKILL the worker with its pool (``whole``), or one of its pool processes only (the
        worker replaces it itself). True when the whole worker is down (restart it)."""
        with self.lock:
            p = self.procs[name]
            if not p.alive() or p.popen is None:
                return True
            pool = _children(p.popen.pid)
            if whole or not pool:
                p.down_on_purpose = True
                with contextlib.suppress(ProcessLookupError):  # it died just now by itself
                    os.killpg(p.popen.pid, signal.SIGKILL)
                p.popen.wait(10)
                return True
            with contextlib.suppress(ProcessLookupError):
                os.kill(pool[0], signal.SIGKILL)
            return False

    def restart(self, name: str) -> None:
        with self.lock:
            p = self.procs[name]
            if not p.alive():
                self._launch(p)
        self._wait_ready(p)

    def kill_redis(self) -> None:
        with self.lock:
            p = self.procs["redis"]
            p.down_on_purpose = True
            if p.popen is not None:
                p.popen.send_signal(signal.SIGKILL)
                p.popen.wait(10)

    def start_beat(self, name: str) -> None:
        with self.lock:
            p = self.procs.get(name) or self._add("beat", name, self._beat_args(name))
            if not p.alive():
                self._launch(p)

    def stop(self, name: str, timeout: float = 30) -> None:
        """A graceful stop (SIGTERM): a worker finishes the tasks it is running."""
        with self.lock:
            p = self.procs[name]
            p.down_on_purpose = True
        if p.popen is not None and p.popen.poll() is None:
            p.popen.terminate()
            try:
                p.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(p.popen.pid, signal.SIGKILL)
                p.popen.wait(10)

    def names(self, role: str) -> list[str]:
        return [n for n, p in self.procs.items() if p.role == role]

    # --- watching -----------------------------------------------------------------------------

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            with self.lock:
                dead = [p for p in self.procs.values() if not p.down_on_purpose and not p.alive()]
                for p in dead:
                    code = p.popen.returncode if p.popen else None
                    self.self_exits[p.role] += 1
                    self.notes.append(
                        f"{time.strftime('%H:%M:%S')} {p.name} exited by itself (code {code}): "
                        "restarted"
                    )
                    print(f"  ! {p.name} exited by itself (code {code}); restarting", flush=True)
                    self._launch(p)

    def shutdown(self) -> None:
        self._stop.set()
        if self._watcher is not None:
            self._watcher.join(5)
        order = ["beat", "worker", "api", "fake", "redis"]
        for role in order:
            for name in self.names(role):
                self.stop(name, timeout=15)

    def tail(self, name: str, chars: int = 3000) -> str:
        log = self.workdir / f"{name}.log"
        return log.read_text(errors="replace")[-chars:] if log.exists() else "(no log)"

    def tails(self, chars: int = 3000) -> str:
        return "\n".join(f"--- {n}.log\n{self.tail(n, chars)}" for n in self.procs)


def _children(pid: int) -> list[int]:
    """The direct children of ``pid`` (Linux /proc): a Celery worker's pool processes. None
    found (no /proc): the caller kills the whole worker instead."""
    out: list[int] = []
    try:
        entries = list(Path("/proc").iterdir())
    except OSError:
        return out
    for entry in entries:
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid ...: comm may hold spaces, so split after its closing paren
        fields = stat.rsplit(")", 1)[-1].split()
        if len(fields) > 1 and int(fields[1]) == pid:
            out.append(int(entry.name))
    return sorted(out)


def _http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:  # noqa: S310 - our own loopback
            return bool(resp.status == 200)
    except OSError:
        return False
