"""What channels remember about their sends, so that a send whose outcome was lost can be
looked up instead of repeated: the SMS attempt and its provider id, the email's Message-ID, the
outbox's record. Channels get these as the ``channels.base.SendLog`` and ``OutboxLog``
protocols; they never see Redis."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import redis
from redis.client import Pipeline

from reminders.store.keys import Keys
from reminders.store.record import text

MEMO_TTL = 14 * 24 * 3600

# (kind, rid, memo, owner kind): ``remember_owned`` calls held back by ``SendLog.deferring``.
Owned = tuple[str, str, str, str]
_held: ContextVar[list[Owned] | None] = ContextVar("sendlog_held", default=None)


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
        round trip: what a send learns once the provider took it (its id, and who owns it).
        Inside ``deferring`` it is held back for the caller to write (``queue_owned``)."""
        held = _held.get()
        if held is not None:
            held.append((kind, rid, memo, owner_kind))
            return
        with self.r.pipeline(transaction=False) as pipe:
            self.queue_owned(pipe, [(kind, rid, memo, owner_kind)])
            pipe.execute()

    @contextmanager
    def deferring(self) -> Iterator[list[Owned]]:
        """Hold back this thread's ``remember_owned`` calls, to be written with the Outcome
        they belong to (``delivery.batch``: one round trip fewer per send). Safe to lose with
        it: a send whose Outcome was not recorded is looked up by its attempt's memo, written
        before the send (``sms_gate``), and the owner check of that lookup still holds."""
        held: list[Owned] = []
        token = _held.set(held)
        try:
            yield held
        finally:
            _held.reset(token)

    def queue_owned(self, pipe: Pipeline, owned: list[Owned]) -> None:
        for kind, rid, memo, owner_kind in owned:
            pipe.set(self.keys.sendlog(kind, rid), memo, ex=self.ttl)
            pipe.set(self.keys.sendlog(owner_kind, memo), rid, ex=self.ttl, nx=True)

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
