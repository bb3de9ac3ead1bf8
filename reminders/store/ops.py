"""What operations read and the dispatcher writes: counters for /metrics, the dispatcher's
heartbeat, short locks, and whether Redis answers at all."""

from __future__ import annotations

import json
import secrets
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis

from reminders.store.keys import Keys
from reminders.store.lua import source
from reminders.store.purge import mask_contacts
from reminders.store.record import dt, text, ts


@dataclass(frozen=True)
class ChannelHealth:
    """What the workers saw of a channel's sends (and lookups), for /health."""

    last_success: datetime | None
    last_failure: datetime | None
    consecutive_failures: int
    last_error: str


class Ops:
    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.r = client
        self.keys = keys
        self._unlock = client.register_script(source("unlock"))

    def ping(self) -> bool:
        return bool(self.r.ping())

    def count(self, *names: str) -> None:
        """Bump the counters the /metrics endpoint reports."""
        with self.r.pipeline(transaction=False) as pipe:
            self.add_counts(pipe, Counter(names))
            pipe.execute()

    def add_counts(self, pipe: Any, counts: Counter[str]) -> None:
        """The same on ``pipe``, one increment per counter (a delivery batch's outcomes)."""
        for name, n in counts.items():
            if n:
                pipe.hincrby(self.keys.metrics, name, n)

    def counters(self) -> dict[str, int]:
        return {text(k): int(v) for k, v in self.r.hgetall(self.keys.metrics).items()}

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
