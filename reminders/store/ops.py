"""What operations read and the dispatcher writes: counters for /metrics, the dispatcher's
heartbeat, short locks, and whether Redis answers at all."""

from __future__ import annotations

import json
import secrets
from datetime import datetime
from typing import Any

import redis

from reminders.store.keys import Keys
from reminders.store.lua import source
from reminders.store.record import dt, text, ts


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
            for name in names:
                pipe.hincrby(self.keys.metrics, name, 1)
            pipe.execute()

    def counters(self) -> dict[str, int]:
        return {text(k): int(v) for k, v in self.r.hgetall(self.keys.metrics).items()}

    def record_dispatch_run(self, now: datetime, summary: dict[str, Any]) -> None:
        self.r.hset(self.keys.dispatch, mapping={"at": ts(now), "summary": json.dumps(summary)})

    def last_dispatch_run(self) -> datetime | None:
        at = self.r.hget(self.keys.dispatch, "at")
        return dt(float(at)) if at else None

    def try_lock(self, name: str, seconds: float) -> str | None:
        token = secrets.token_hex(8)
        ok = self.r.set(self.keys.lock(name), token, nx=True, px=int(seconds * 1000))
        return token if ok else None

    def unlock(self, name: str, token: str) -> None:
        self._unlock(keys=[self.keys.lock(name)], args=[token])
