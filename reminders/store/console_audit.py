"""The console's audit log: every view of a patient's data and every change made in the
console, with who, when and what. Entries are only ever appended, so an entry's place in the
list never changes; the retention purge (``store.purge``) rewrites entries in place to drop the
patient's identifiers, keeping who and when."""

from __future__ import annotations

import json
from typing import Any

import redis

from reminders.store.keys import Keys


class ConsoleAudit:
    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.r = client
        self.keys = keys

    def record(self, entry: dict[str, Any]) -> None:
        """``entry``: ``at``, ``by``, ``action``, ``external_ids`` (the patients' appointments
        it names) and ``detail`` (free text that may name a patient: a search, a note)."""
        self.r.rpush(self.keys.console_audit, json.dumps(entry, ensure_ascii=False))

    def entries(self, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
        """Newest first, skipping the ``offset`` newest."""
        end = -1 - offset
        raw = self.r.lrange(self.keys.console_audit, end - limit + 1, end)
        return [json.loads(x) for x in reversed(raw)]

    def count(self) -> int:
        return int(self.r.llen(self.keys.console_audit))
