"""The main job, as a newcomer runs it with its output in a log (no terminal): the demo plays its
timelines with a real worker and beat, never falls silent for long, shows every SMS whole,
sums up every state exactly as the store holds it, gives next steps that work, and stops and
removes everything it started."""

from __future__ import annotations

import io
import itertools
import re
import shlex
import subprocess
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import redis

from reminders.devtools import celery_procs, demo
from reminders.devtools.demo_report import rule_label
from reminders.model import ReminderState
from reminders.store import Store

pytestmark = pytest.mark.slow

SECONDS = 12
WIDTH = 80
# Real seconds without a line that the reader would take for a hang (the status comes every 2).
MAX_SILENCE = 4.5
STATUS = re.compile(r"^\[real (\d+):(\d\d) \| day (\d) of 6, .* UTC\] (.*)$")
ROW = re.compile(r"^(\d+)\s+(\S+)\s+(sms|email)\s+([a-z]+)\s+\w{3} \d\d \d\d:\d\d")
STATE_LINE = re.compile(r"^([a-z]+)\s+(\d+)(\s|$)")


class TimedLines(io.TextIOBase):
    """What the demo writes, line by line, with the real time each line arrived."""

    def __init__(self) -> None:
        self.lines: list[tuple[float, str]] = []
        self._part = ""

    def write(self, text: str) -> int:
        now = time.monotonic()
        *done, self._part = (self._part + text).split("\n")
        self.lines += [(now, line) for line in done]
        return len(text)

    def isatty(self) -> bool:
        return False


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def test_the_demo_narrates_sums_up_and_stops_what_it_started(
    redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("COLUMNS", str(WIDTH))
    for name in ("FORCE_COLOR", "TTY_COMPATIBLE", "TTY_INTERACTIVE", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)  # a log file, as rich finds it by itself
    store_seen: dict[str, Any] = {}
    started: list[subprocess.Popen[bytes]] = []
    _watch(monkeypatch, store_seen, started)

    out = TimedLines()
    t0 = time.monotonic()
    code = demo.run(seconds=SECONDS, out=out)
    took = time.monotonic() - t0
    text = "\n".join(line for _, line in out.lines)

    assert code == 0, text[-3000:]
    assert took < SECONDS * 1.5 + 30, took
    assert "\x1b" not in text  # no cursor movements, no colour in a log
    assert "Worker and beat are running." in text
    assert "staff moved DEMO-MEX" in text and "staff cancelled DEMO-NYC" in text

    _never_silent(out.lines)
    records, messages = store_seen["records"], store_seen["messages"]
    _every_message_shown_whole(text, messages)
    _fits_the_width_but_for_commands(text)
    _summary_is_the_store(text, records, messages)
    _next_steps_work(text)

    prefix = re.search(r"key prefix: (demo-[0-9a-f]+)", text)
    assert prefix is not None
    assert not list(redis.Redis.from_url(redis_url).scan_iter(f"{prefix[1]}:*"))
    assert started and all(p.poll() is not None for p in started)


def _watch(monkeypatch: pytest.MonkeyPatch, store_seen: dict[str, Any], started: list[Any]) -> None:
    """Read the store as the demo leaves it, just before it removes its keys; and keep the
    Celery processes it starts, to see that they end."""
    cleanup = demo._cleanup

    def read_then_clean(client: redis.Redis, prefix: str, queue: str) -> None:
        store = Store(client, prefix)
        snaps = [store.appointments.snapshot(aid) for aid in (p["id"] for p in demo.PATIENTS)]
        store_seen["records"] = [r for s in snaps if s for r in s.reminders]
        store_seen["messages"] = store.outbox.messages()
        cleanup(client, prefix, queue)

    monkeypatch.setattr(demo, "_cleanup", read_then_clean)
    for name in ("start_worker", "start_beat"):
        original = getattr(celery_procs, name)

        def keep(*args: Any, _original: Any = original, **kwargs: Any) -> Any:
            proc = _original(*args, **kwargs)
            started.append(proc)
            return proc

        monkeypatch.setattr(celery_procs, name, keep)


def _never_silent(lines: list[tuple[float, str]]) -> None:
    """A line at least every few real seconds from the first to the last (start and stop of
    Celery included), and status lines all along the timeline."""
    times = [t for t, _ in lines]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert max(gaps) < MAX_SILENCE, max(gaps)
    status = [(t, m) for t, line in lines if (m := STATUS.match(line))]
    assert len(status) >= SECONDS / MAX_SILENCE, [m[0] for _, m in status]
    days = [int(m[3]) for _, m in status]
    assert days == sorted(days) and days[-1] == 6, days
    status_times = [t for t, _ in status]
    assert max(b - a for a, b in itertools.pairwise(status_times)) < MAX_SILENCE
    assert " 0 pending (of " in status[-1][1][4]
    assert "next due: " in status[0][1][4]


def _every_message_shown_whole(text: str, messages: list[dict[str, Any]]) -> None:
    flat = squeeze(text)
    assert messages
    for m in messages:
        if m["subject"]:
            assert f"Subject: {m['subject']} … (+ " in text, m["subject"]
        else:
            assert squeeze(m["text"]) in flat, m["text"]


def _fits_the_width_but_for_commands(text: str) -> None:
    """Wrapped to the width, but for the commands (to be copied whole) and the status lines
    (one log record each)."""
    for line in text.splitlines():
        if len(line) > WIDTH:
            command = line.startswith("    ") and "reminders " in line
            assert command or STATUS.match(line), line


def _summary_is_the_store(text: str, records: list[Any], messages: list[dict[str, Any]]) -> None:
    counts = Counter(r.state for r in records)
    ending = text.split("Every reminder by state", 1)[1].split("\nChecks", 1)[0]
    shown = {m[1]: int(m[2]) for line in ending.splitlines() if (m := STATE_LINE.match(line))}
    assert shown == {**{str(s): counts.get(s, 0) for s in ReminderState}, "total": len(records)}
    assert counts[ReminderState.SENT] == len(messages)
    tables = text.split("Stopped the worker and beat", 1)[1].split("Every reminder by state", 1)[0]
    rows = Counter(m.groups() for line in tables.splitlines() if (m := ROW.match(line)))
    stored = Counter((str(r.version), rule_label(r), r.channel, str(r.state)) for r in records)
    assert rows == stored
    checks = text.split("\nChecks", 1)[1].split("What to try next", 1)[0]
    assert checks.count("✓") == 5 and "✗" not in checks
    said = f"{len(messages)} messages in the outbox, each for a different reminder"
    assert squeeze(said) in squeeze(checks)
    assert "None went out early" in checks and "Nothing was left pending" in checks


def _next_steps_work(text: str) -> None:
    steps = text.split("What to try next", 1)[1]
    preview = next(line.strip() for line in steps.splitlines() if " preview " in line)
    shown = subprocess.run(
        shlex.split(preview),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=Path.cwd(),
    )
    assert shown.returncode == 0, shown.stderr
    assert "medication_pause" in shown.stdout and "Apixaban 5 mg" in shown.stdout
    assert "users add YOUR_NAME --role admin" in steps
    assert re.search(r"reminders serve +# then open http://127\.0\.0\.1:8000/console/", steps)
    assert "README.md" in steps
