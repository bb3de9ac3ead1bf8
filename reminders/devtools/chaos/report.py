"""The figures of a chaos run, printed, and whether it passed."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from reminders.devtools.chaos.oracle import FIGURES, Verdict
from reminders.devtools.chaos.profile import Profile

MIN_APPOINTMENTS = 100
MIN_CHANGES = 36  # edits, reschedules and cancels made


@dataclass
class Run:
    profile: Profile
    seed: int
    timelines: list[dict[str, Any]]
    messages: int
    fake_stats: Mapping[str, Any]
    chaos: Mapping[str, int]
    self_exits: Mapping[str, int]
    second_beat_seconds: float
    drain_seconds: float
    drain_left: int
    api_retries: int
    verdict: Verdict
    wall_seconds: float


def problems(run: Run) -> list[str]:
    """Why the run failed: a non-zero figure, or a run too small or too calm to mean much."""
    out = [f"{f}: {run.verdict.count(f)}" for f in FIGURES if run.verdict.count(f)]
    if len(run.timelines) < MIN_APPOINTMENTS:
        out.append(f"only {len(run.timelines)} appointments (at least {MIN_APPOINTMENTS})")
    if not run.chaos.get("worker kills"):
        out.append("no worker was killed")
    if not run.chaos.get("redis restarts"):
        out.append("Redis was never restarted")
    changes = sum(run.chaos.get(k, 0) for k in ("edit", "reschedule", "cancel"))
    if changes < MIN_CHANGES:
        out.append(f"only {changes} changes were made (at least {MIN_CHANGES})")
    return out


def show(run: Run) -> int:
    """Print the figures; returns the exit status (0: passed)."""
    states: Counter[str] = Counter(r["state"] for t in run.timelines for r in t["reminders"])
    counts = run.fake_stats.get("counts", {})
    c = run.chaos
    faults = ", ".join(
        f"{kind} x{counts.get(f'fault_{kind}', 0)}"
        for kind in ("500", "429", "reset", "timeout", "list_500")
    )
    exits = ", ".join(f"{role} {n}" for role, n in sorted(run.self_exits.items())) or "none"
    lines = [
        "",
        f"Chaos test ({run.profile.name}, seed {run.seed}) in {run.wall_seconds:.0f} s",
        f"  appointments          {len(run.timelines)}",
        f"  reminders             {sum(states.values())} ("
        + ", ".join(f"{s} {n}" for s, n in states.most_common())
        + ")",
        f"  messages accepted     {run.messages} (of {counts.get('creates', 0)} creates)",
        f"  faults injected       {faults}",
        f"  callbacks             posted {counts.get('callbacks_posted', 0)}, dropped "
        f"{counts.get('callbacks_dropped', 0)}, undeliverable {counts.get('callbacks_failed', 0)}",
        f"  worker kills          {c.get('worker kills', 0)} ({c.get('whole worker', 0)} whole "
        f"workers, {c.get('pool process', 0)} pool processes)",
        f"  Redis restarts        {c.get('redis restarts', 0)}",
        f"  second beat           {run.second_beat_seconds:.0f} s",
        f"  edits                 {c.get('edit', 0)}",
        f"  reschedules           {c.get('reschedule', 0)}",
        f"  cancels               {c.get('cancel', 0)}",
        "  ... mid-send          "
        + ", ".join(
            f"{n} {k.removeprefix('changes ')}"
            for k, n in sorted(c.items())
            if k.startswith("changes ") and (k.endswith("per the API") or "provider" in k)
        ),
        f"  changes refused       {c.get('changes refused', 0)} (no target: "
        f"{c.get('changes without a target', 0)})",
        f"  self-exits            {exits} (restarted)",
        f"  API calls retried     {run.api_retries}",
        f"  drain                 {run.drain_seconds:.0f} s"
        + (f", {run.drain_left} still unsettled" if run.drain_left else ", all settled"),
        "",
    ]
    for figure in FIGURES:
        n = run.verdict.count(figure)
        lines.append(f"  {figure:<12}{n}")
        lines += [f"      {f.subject}: {f.detail}" for f in run.verdict.examples(figure)]
    wrong = problems(run)
    lines += ["", "PASSED" if not wrong else "FAILED: " + "; ".join(wrong)]
    print("\n".join(lines), flush=True)
    return 1 if wrong else 0
