"""What channels remember about their sends, so that a send whose outcome was lost can be
looked up instead of repeated: the SMS attempt and its provider id, the email's Message-ID, the
outbox's record. Channels get these as the ``channels.base.SendLog`` and ``OutboxLog``
protocols; they never see Redis."""

from __future__ import annotations

import json
from typing import Any

import redis

from reminders.store.keys import Keys
from reminders.store.record import text

MEMO_TTL = 14 * 24 * 3600


class SendLog:
    def __init__(self, client: redis.Redis, keys: Keys, ttl: int = MEMO_TTL) -> None:
        self.r = client
        self.keys = keys
        self.ttl = ttl

    def remember(self, kind: str, rid: str, memo: str) -> None:
        self.r.set(self.keys.sendlog(kind, rid), memo, ex=self.ttl)

    def recall(self, kind: str, rid: str) -> str | None:
        found = self.r.get(self.keys.sendlog(kind, rid))
        return text(found) if found else None

    def remember_owned(self, kind: str, rid: str, memo: str, owner_kind: str) -> None:
        """``remember(kind, rid, memo)`` and ``remember_first(owner_kind, memo, rid)`` in one
        round trip: what a send learns once the provider took it (its id, and who owns it)."""
        with self.r.pipeline(transaction=False) as pipe:
            pipe.set(self.keys.sendlog(kind, rid), memo, ex=self.ttl)
            pipe.set(self.keys.sendlog(owner_kind, memo), rid, ex=self.ttl, nx=True)
            pipe.execute()

    def remember_first(self, kind: str, key: str, memo: str) -> bool:
        key_ = self.keys.sendlog(kind, key)
        if self.r.set(key_, memo, ex=self.ttl, nx=True):
            return True
        return self.recall(kind, key) == memo


class Outbox:
    """The development channel's record of every message it was given."""

    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.r = client
        self.keys = keys

    def claim(self, rid: str, provider_id: str) -> bool:
        """False when this reminder was recorded before (an attempt whose outcome was lost)."""
        return bool(self.r.hsetnx(self.keys.outbox_ids, rid, provider_id))

    def append(self, entry: dict[str, Any]) -> None:
        self.r.rpush(self.keys.outbox, json.dumps(entry, ensure_ascii=False))

    def provider_id(self, rid: str) -> str | None:
        found = self.r.hget(self.keys.outbox_ids, rid)
        return text(found) if found else None

    def messages(self) -> list[dict[str, Any]]:
        return [json.loads(x) for x in self.r.lrange(self.keys.outbox, 0, -1)]
