"""The staff's attention list as stored: an index of appointments with a reminder that needs a
person (kept by the Lua scripts), and the marks staff leave when they have handled an item."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

import redis

from reminders.store.keys import Keys
from reminders.store.lua import source
from reminders.store.record import ReminderRecord, text


@dataclass(frozen=True)
class AttentionItem:
    appointment_id: str
    reminder: ReminderRecord


class Attention:
    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.r = client
        self.keys = keys
        self._prune = client.register_script(source("prune_attention"))

    def items(self) -> list[AttentionItem]:
        """Every reminder that needs a person: failed (and not replaced by email), flagged, or
        unknown (a send whose outcome is being reconciled). Appointments with none left drop
        off the index."""
        out: list[AttentionItem] = []
        for member in sorted(self.r.smembers(self.keys.attention)):
            aid = text(member)
            raw = self.r.hgetall(self.keys.appointment(aid))
            found = [
                ReminderRecord.from_json(f"{aid}:{text(k)[2:]}", v)
                for k, v in raw.items()
                if text(k).startswith("r:")
            ]
            mine = [r for r in found if r.needs_attention]
            if not mine:
                self._prune(keys=[self.keys.appointment(aid), self.keys.attention], args=[aid])
            out.extend(AttentionItem(aid, r) for r in sorted(mine, key=lambda r: r.due_at))
        return out

    def size(self) -> int:
        """How many appointments have something that needs a person (the index, at once)."""
        return int(self.r.scard(self.keys.attention))

    def handled(self) -> dict[str, dict[str, str]]:
        """item id -> {at, by, note} for every item staff marked handled."""
        raw = self.r.hgetall(self.keys.attention_handled)
        return {text(k): json.loads(v) for k, v in raw.items()}

    def mark_handled(self, item_id: str, now: datetime, by: str, note: str) -> bool:
        entry = json.dumps({"at": now.isoformat(), "by": by, "note": note})
        return bool(self.r.hset(self.keys.attention_handled, item_id, entry))
