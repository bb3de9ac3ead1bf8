"""What operations read and the dispatcher writes: counters for /metrics and everything a scrape
reads (``figures``, one round trip), the dispatcher's heartbeat, short locks, and whether Redis
answers at all."""

from __future__ import annotations

import json
import secrets
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis

from reminders.store.keys import Keys
from reminders.store.lua import source
from reminders.store.purge import mask_contacts
from reminders.store.record import dt, text, ts
from reminders.store.totals import TotalsView, decode


@dataclass(frozen=True)
class ChannelHealth:
    """What the workers saw of a channel's sends (and lookups), for /health."""

    last_success: datetime | None
    last_failure: datetime | None
    consecutive_failures: int
    last_error: str


@dataclass(frozen=True)
class Figures:
    """What one scrape of /metrics reports, read at one moment."""

    totals: TotalsView
    sent: int  # the first counters (keys.metrics), since before the totals existed
    failed: int
    due: int  # due now and not yet claimed, or claimed and their lease ran out
    pending: int  # everything in the due index
    attention: int  # appointments on the attention list
    last_dispatch: datetime | None
    consecutive_failures: dict[str, int]  # channel -> failures since its last success


class Ops:
    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.r = client
        self.keys = keys
        self._unlock = client.register_script(source("unlock"))

    def ping(self) -> bool:
        return bool(self.r.ping())

    def add_counts(self, pipe: Any, counts: Counter[str]) -> None:
        """Bump the first counters /metrics reported (``sent``, ``failed``) on ``pipe``, one
        increment per counter (a delivery batch's outcomes)."""
        for name, n in counts.items():
            if n:
                pipe.hincrby(self.keys.metrics, name, n)

    def counters(self) -> dict[str, int]:
        return {text(k): int(v) for k, v in self.r.hgetall(self.keys.metrics).items()}

    def figures(self, now: datetime, channels: Iterable[str]) -> Figures:
        """Everything /metrics reports, in one pipeline (a scrape every 15 s must not cost a
        round trip per figure); ``channels``: those configured, each reported even when idle."""
        names = sorted(set(channels))
        with self.r.pipeline(transaction=False) as pipe:
            pipe.hgetall(self.keys.totals)
            pipe.hmget(self.keys.metrics, ["sent", "failed"])
            pipe.zcount(self.keys.due, "-inf", ts(now))
            pipe.zcard(self.keys.due)
            pipe.scard(self.keys.attention)
            pipe.hget(self.keys.dispatch, "at")
            for name in names:
                pipe.hget(self.keys.channel_health(name), "failures")
            totals, (sent, failed), due, pending, attention, at, *failures = pipe.execute()
        return Figures(
            totals=decode(totals),
            sent=int(sent or 0),
            failed=int(failed or 0),
            due=int(due),
            pending=int(pending),
            attention=int(attention),
            last_dispatch=dt(float(at)) if at else None,
            consecutive_failures={n: int(f or 0) for n, f in zip(names, failures, strict=True)},
        )

    def record_dispatch_run(self, now: datetime, summary: dict[str, Any]) -> None:
        self.r.hset(self.keys.dispatch, mapping={"at": ts(now), "summary": json.dumps(summary)})

    def last_dispatch_run(self) -> datetime | None:
        at = self.r.hget(self.keys.dispatch, "at")
        return dt(float(at)) if at else None

    def channel_succeeded(self, channel: str, at: datetime, *, pipe: Any = None) -> None:
        """(On ``pipe``, when given: a delivery batch says it once per round trip.)"""
        (pipe or self.r).hset(
            self.keys.channel_health(channel), mapping={"last_success": ts(at), "failures": 0}
        )

    def channel_failed(self, channel: str, at: datetime, error: str) -> None:
        with self.r.pipeline(transaction=True) as pipe:
            key = self.keys.channel_health(channel)
            pipe.hincrby(key, "failures", 1)
            # A provider's error may quote the recipient; /health shows this to anyone.
            last_error = mask_contacts(error)[:200]
            pipe.hset(key, mapping={"last_failure": ts(at), "last_error": last_error})
            pipe.execute()

    def channel_health(self, channel: str) -> ChannelHealth:
        raw = {
            text(k): text(v) for k, v in self.r.hgetall(self.keys.channel_health(channel)).items()
        }
        return ChannelHealth(
            last_success=dt(float(raw["last_success"])) if "last_success" in raw else None,
            last_failure=dt(float(raw["last_failure"])) if "last_failure" in raw else None,
            consecutive_failures=int(raw.get("failures", 0)),
            last_error=raw.get("last_error", ""),
        )

    def try_lock(self, name: str, seconds: float) -> str | None:
        token = secrets.token_hex(8)
        ok = self.r.set(self.keys.lock(name), token, nx=True, px=int(seconds * 1000))
        return token if ok else None

    def unlock(self, name: str, token: str) -> None:
        self._unlock(keys=[self.keys.lock(name)], args=[token])
