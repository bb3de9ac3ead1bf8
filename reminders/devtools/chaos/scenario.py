"""What happens during a chaos run, and when: worker kills, Redis restarts, a second beat, and
edits, reschedules and cancels aimed at appointments with a send in flight.

The plan (what, and at which second of the run) comes from the run's seeded generator, so a
seed repeats it; the targets are picked when the moment comes, from what the API says then.

Edits never remove a medicine or a channel and never change what a rule depends on: they change
a doctor's note or the location's name, move the procedure later, or cancel. (The oracle relies
on it: every slot of an earlier version is still planned in the current one.)"""

from __future__ import annotations

import copy
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from reminders.clock import WarpClock
from reminders.devtools.chaos.client import Fake, Service
from reminders.devtools.chaos.patients import Booked
from reminders.devtools.chaos.processes import Cluster
from reminders.devtools.chaos.profile import Profile

IN_FLIGHT = frozenset({"claimed", "sending", "unknown"})
PATIENCE = 1.0  # real seconds a change waits for one of its possible targets to be mid-send
CANDIDATES = 6  # else appointments looked at (one GET each) for a send sending or unknown


@dataclass(order=True)
class Action:
    at: float  # real seconds into the chaos
    kind: str = field(compare=False)


def plan(rng: random.Random, p: Profile) -> list[Action]:
    w = p.chaos_seconds
    out = [
        Action(w * (i + 1) / (p.redis_restarts + 1) + rng.uniform(-0.05, 0.05) * w, "redis")
        for i in range(p.redis_restarts)
    ]
    restarts = [a.at for a in out]
    kills: list[float] = []
    while len(kills) < p.worker_kills:
        at = rng.uniform(0.08 * w, 0.92 * w)
        # apart from Redis restarts and each other, so each fault is its own
        if all(abs(at - t) > 6 for t in restarts + kills):
            kills.append(at)
    out += [Action(at, "kill") for at in kills]
    out += [Action(p.second_beat[0] * w, "beat_start"), Action(p.second_beat[1] * w, "beat_stop")]
    # Every change needs a procedure still ahead (the API validates the whole appointment),
    # and moving or cancelling one a few hours ahead: the last procedures are two days in.
    changes = ["edit"] * p.edits
    early = ["reschedule"] * p.reschedules + ["cancel"] * p.cancels
    # (edits too: later on, most procedures have begun and nothing can be changed)
    out += [Action(rng.uniform(0.03 * w, 0.6 * w), kind) for kind in changes]
    out += [Action(rng.uniform(0.03 * w, 0.65 * w), kind) for kind in early]
    return sorted(out)


class Chaos:
    def __init__(
        self,
        cluster: Cluster,
        service: Service,
        fake: Fake,
        booked: Booked,
        clock: WarpClock,
        rng: random.Random,
        profile: Profile,
    ) -> None:
        self.cluster = cluster
        self.service = service
        self.fake = fake
        self.booked = booked
        self.clock = clock
        self.rng = rng
        self.profile = profile
        self.counts: Counter[str] = Counter()
        self.second_beat_seconds = 0.0
        self._beat_since = 0.0
        self._edit_no = 0

    def run(self, actions: list[Action]) -> None:
        t0 = time.monotonic()
        for a in actions:
            wait = t0 + a.at - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            stamp = f"[{time.monotonic() - t0:5.1f}s {self.clock.now():%m-%d %H:%M}Z]"
            what = getattr(self, f"_{a.kind}")()
            if what:
                print(f"  {stamp} {what}", flush=True)
        rest = t0 + self.profile.chaos_seconds - time.monotonic()
        if rest > 0:
            time.sleep(rest)
        if self._beat_since:
            self._beat_stop()

    # --- processes ----------------------------------------------------------------------------

    def _send_in_flight(self, patience: float = 2.0) -> bool:
        """Wait (a little) for the fake to be answering a create, to kill while a send is at the
        provider (which worker sends it, the fake cannot tell)."""
        deadline = time.monotonic() + patience
        while time.monotonic() < deadline:
            if self.fake.stats()["in_flight"] > 0:
                return True
            time.sleep(0.01)
        return False

    def _kill(self) -> str:
        name = self.rng.choice(self.cluster.names("worker"))
        whole = self.rng.random() < 0.6
        mid_send = self._send_in_flight()
        down = self.cluster.kill_worker(name, whole=whole)
        self.counts["worker kills"] += 1
        self.counts["whole worker" if down else "pool process"] += 1
        what = f"{name} with its pool" if down else f"one pool process of {name}"
        if down:
            time.sleep(self.rng.uniform(0.5, 2.0))  # a supervisor's restart delay
            self.cluster.restart(name)
            what += ", restarted"
        return f"SIGKILL {what}" + (" (a send was at the provider)" if mid_send else "")

    def _redis(self) -> str:
        mid_send = self._send_in_flight()
        self.cluster.kill_redis()
        down = self.rng.uniform(1.5, 3.0)
        time.sleep(down)
        self.cluster.restart("redis")
        self.counts["redis restarts"] += 1
        during = " (a send was at the provider)" if mid_send else ""
        return f"SIGKILL Redis, restarted from its AOF after {down:.1f} s{during}"

    def _beat_start(self) -> str:
        self.cluster.start_beat("beat-2")
        self._beat_since = time.monotonic()
        return "second beat started"

    def _beat_stop(self) -> str:
        self.cluster.stop("beat-2")
        self.second_beat_seconds += time.monotonic() - self._beat_since
        self._beat_since = 0.0
        return "second beat stopped"

    # --- appointments -------------------------------------------------------------------------

    def _edit(self) -> str:
        return self._change("edit")

    def _reschedule(self) -> str:
        return self._change("reschedule")

    def _cancel(self) -> str:
        return self._change("cancel")

    def _change(self, kind: str) -> str:
        now = self.clock.now()
        target = self._target(kind, now)
        if target is None:
            self.counts["changes without a target"] += 1
            return f"{kind}: no appointment it could apply to"
        aid, flying = target
        now = self.clock.now()
        status, answer, what = self._apply(kind, aid, now)
        if status >= 300:
            self.counts["changes refused"] += 1
            return f"{kind} {aid} refused: HTTP {status} {answer}"
        self.counts[kind] += 1
        if flying:
            self.counts[f"changes {flying}"] += 1
        return f"{kind} {aid}: {what}" + (f" ({flying})" if flying else "")

    def _target(self, kind: str, now: datetime) -> tuple[str, str] | None:
        """An appointment this change can apply to and how its send was in flight: being
        answered by the provider right now, else sending or unknown per the API, else (no
        luck) the one whose next reminder is nearest."""
        b = self.booked
        feasible = [a for a in b.payloads if a not in b.cancelled and self._can(kind, a, now)]
        if not feasible:
            return None
        by_phone = {b.payloads[a]["patient"]["phone"]: a for a in feasible}
        deadline = time.monotonic() + PATIENCE
        while time.monotonic() < deadline:
            at_provider = [by_phone[n] for n in self.fake.stats()["in_flight_to"] if n in by_phone]
            if at_provider:
                return self.rng.choice(at_provider), "mid-send at the provider"
            time.sleep(0.01)
        ranked = sorted(
            feasible, key=lambda a: (b.due_near(a, self.clock.now()), self.rng.random())
        )
        for aid in ranked[:CANDIDATES]:
            states = {r["state"] for r in self.service.timeline(aid)["reminders"]}
            if states & IN_FLIGHT:
                return aid, f"{'/'.join(sorted(states & IN_FLIGHT))} per the API"
        return ranked[0], ""

    def _can(self, kind: str, aid: str, now: datetime) -> bool:
        # The API validates the whole appointment on every change: the procedure must be ahead.
        if kind == "edit":
            return self.booked.start(aid) > now + timedelta(minutes=45)
        if kind == "cancel":
            return self.booked.start(aid) > now + timedelta(hours=1)
        # (with an hour to spare: the target is picked a little before the change is made)
        return self._later_start(aid, now + timedelta(hours=1)) is not None

    def _later_start(self, aid: str, now: datetime) -> datetime | None:
        """A later start that keeps the medicines' days valid (restart on or after the
        procedure day), or None."""
        start = self.booked.start(aid)
        if start <= now + timedelta(hours=1):
            return None
        restart = self.booked.latest_restart_day(aid)
        zone = self.booked.zone(aid)
        for hours in (self.rng.choice((2, 3, 5, 8, 20, 26)), 1):
            later = start + timedelta(hours=hours)
            if restart is None or later.astimezone(zone).date() <= restart:
                return later
        return None

    def _apply(self, kind: str, aid: str, now: datetime) -> tuple[int, Any, str]:
        payload = _copy(self.booked.payloads[aid])
        if kind == "cancel":
            status, answer = self.service.cancel(aid, "chaos: the patient called to cancel")
            what = "cancelled"
        else:
            if kind == "reschedule":
                later = self._later_start(aid, now)
                if later is None:
                    return 0, "the procedure is too close now to move", "not moved"
                payload["procedure"]["start"] = later.isoformat()
                changes: dict[str, Any] = {"procedure": {"start": later.isoformat()}}
                what = f"procedure moved to {later:%m-%d %H:%M %Z}"
            else:
                changes, what = self._text_edit(payload)
            status, answer = self.service.patch(aid, changes)
        if status < 300 and isinstance(answer, dict):
            self.booked.record(payload, answer)
            what += f", now version {answer.get('version')}"
        return status, answer, what

    def _text_edit(self, payload: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """Change a doctor's note (the medicine stays, with its days) or the location's name."""
        self._edit_no += 1
        meds = payload["medications"]
        if meds and self.rng.random() < 0.6:
            i = self.rng.randrange(len(meds))
            meds[i]["note"] = f"Edit {self._edit_no}: take the last dose with water."
            return {"medications": meds}, f"note of medicine {i} changed"
        name = f"Riverside Radiology, room {self._edit_no}"
        payload["procedure"]["location"]["name"] = name
        return {"procedure": {"location": {"name": name}}}, "location renamed"


def _copy(payload: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(payload)
