"""The staff console's accounts: one hash entry per person, holding what ``console.accounts``
decided (role, language, the Argon2 hash of the password, whether disabled). The store keeps
the record; hashing and the rules about names and roles are the console's."""

from __future__ import annotations

import json
from typing import Any

import redis

from reminders.store.keys import Keys
from reminders.store.record import text


class Users:
    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.r = client
        self.keys = keys

    def add(self, name: str, record: dict[str, Any]) -> bool:
        """False when an account of that name exists (it is left as it was)."""
        return bool(self.r.hsetnx(self.keys.console_users, name, json.dumps(record)))

    def put(self, name: str, record: dict[str, Any]) -> None:
        self.r.hset(self.keys.console_users, name, json.dumps(record))

    def get(self, name: str) -> dict[str, Any] | None:
        raw = self.r.hget(self.keys.console_users, name)
        if raw is None:
            return None
        value: dict[str, Any] = json.loads(raw)
        return value

    def all(self) -> dict[str, dict[str, Any]]:
        raw = self.r.hgetall(self.keys.console_users)
        return {text(k): json.loads(v) for k, v in sorted(raw.items())}
