"""Signed-in console sessions and failed logins, each expiring on its own: a session after the
idle timeout (refreshed by every request), a count of failures a day after the last one. What
the console makes of them (the timeout, the growing wait) is ``console.auth``'s."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import redis

from reminders.store.keys import Keys
from reminders.store.record import text

FAILURES_KEPT = 24 * 3600


class Sessions:
    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.r = client
        self.keys = keys

    def put(self, digest: str, data: dict[str, Any], seconds: int) -> None:
        """Write (or refresh) a session; Redis forgets it ``seconds`` after this."""
        self.r.set(self.keys.console_session(digest), json.dumps(data), ex=seconds)

    def get(self, digest: str) -> dict[str, Any] | None:
        raw = self.r.get(self.keys.console_session(digest))
        if raw is None:
            return None
        value: dict[str, Any] = json.loads(raw)
        return value

    def delete(self, digest: str) -> None:
        self.r.delete(self.keys.console_session(digest))

    def failed(self, kind: str, who: str, at: datetime) -> int:
        """Count one failed login of an account (``user``) or address (``addr``); returns the
        count so far."""
        key = self.keys.console_failures(kind, who)
        with self.r.pipeline(transaction=True) as pipe:
            pipe.hincrby(key, "count", 1)
            pipe.hset(key, "last", at.isoformat())
            pipe.expire(key, FAILURES_KEPT)
            count, _, _ = pipe.execute()
        return int(count)

    def failures(self, kind: str, who: str) -> tuple[int, datetime | None]:
        """How many failed logins, and when the last one was."""
        raw = {
            text(k): text(v)
            for k, v in self.r.hgetall(self.keys.console_failures(kind, who)).items()
        }
        last = datetime.fromisoformat(raw["last"]) if "last" in raw else None
        return int(raw.get("count", 0)), last

    def clear_failures(self, kind: str, who: str) -> None:
        self.r.delete(self.keys.console_failures(kind, who))
