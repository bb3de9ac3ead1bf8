"""Forget one appointment's patient data: its hash, every side index that names it, its
acknowledgements and the replies kept for staff; its audit trail stays, stripped of names,
numbers and message text."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import redis

from reminders.store.appointments import Snapshot
from reminders.store.keys import Keys
from reminders.store.record import text

# What an event may carry about the person: a reply's sender and text, an acknowledgement's text.
PERSONAL = ("from", "to", "body", "text", "phone", "email", "name")


class Purge:
    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.r = client
        self.keys = keys

    def forget(self, snap: Snapshot, now: datetime, reason: str) -> None:
        k = self.keys
        aid = snap.appointment.external_id
        events = [scrub(json.loads(e)) for e in self.r.lrange(k.events(aid), 0, -1)]
        events.append({"at": now.isoformat(), "type": "purged", "reason": reason})
        replies = [
            x for x in self.r.lrange(k.inbox, 0, -1) if aid in json.loads(x).get("appointments", [])
        ]
        acks = [m for m, _ in self.r.zscan_iter(k.acks, match=f"{aid}:*")]
        with self.r.pipeline() as pipe:
            pipe.delete(k.appointment(aid), k.events(aid))
            pipe.rpush(k.events(aid), *(json.dumps(e) for e in events))
            if snap.appointment.patient.phone:
                pipe.srem(k.phone(snap.appointment.patient.phone), aid)
            pipe.srem(k.attention, aid)
            if acks:
                pipe.zrem(k.acks, *acks)
            for raw in replies:
                pipe.lrem(k.inbox, 0, text(raw))
            pipe.execute()


def scrub(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k not in PERSONAL}
