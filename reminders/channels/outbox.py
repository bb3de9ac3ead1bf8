"""The outbox channel: records each message in Redis and prints a readable line, instead of
sending it. For development and the demo."""

from __future__ import annotations

import json
import sys
from typing import TextIO

import redis

from reminders.channels.base import Outgoing
from reminders.clock import Clock


class OutboxChannel:
    def __init__(
        self,
        name: str,
        client: redis.Redis,
        prefix: str,
        clock: Clock,
        echo: TextIO | None = sys.stdout,
    ) -> None:
        self.name = name
        self.r = client
        self.list_key = f"{prefix}:outbox"
        self.ids_key = f"{prefix}:outbox:ids"
        self.clock = clock
        self.echo = echo

    def send(self, message: Outgoing) -> str:
        provider_id = f"outbox-{message.reminder_id}"
        if not self.r.hsetnx(self.ids_key, message.reminder_id, provider_id):
            return provider_id  # recorded by an earlier attempt whose outcome was lost
        at = self.clock.now()
        entry = {
            "at": at.isoformat(),
            "id": provider_id,
            "reminder": message.reminder_id,
            "channel": message.channel,
            "to": message.to,
            "locale": message.locale,
            "subject": message.subject,
            "text": message.text,
        }
        self.r.rpush(self.list_key, json.dumps(entry, ensure_ascii=False))
        if self.echo is not None:
            head = f"[outbox {at:%Y-%m-%d %H:%M}Z] {message.channel} to {message.to}"
            head += f" ({message.locale})"
            body = f"{message.subject}: {message.text}" if message.subject else message.text
            print(f"{head}: {body}", file=self.echo, flush=True)
        return provider_id

    def find_sent(self, reminder_id: str) -> str | None:
        found = self.r.hget(self.ids_key, reminder_id)
        return _text(found) if found else None

    def messages(self) -> list[dict[str, str]]:
        return [json.loads(x) for x in self.r.lrange(self.list_key, 0, -1)]


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
