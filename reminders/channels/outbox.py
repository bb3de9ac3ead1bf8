"""The outbox channel: records each message in Redis and prints a readable line, instead of
sending it. For development and the demo.

Like Twilio's test credentials it refuses a few reserved addresses, so the failure paths can be
seen without a provider: ``+15005550001`` (invalid number), ``+15005550009`` (not a mobile),
and any email address at the reserved ``.invalid`` top-level domain."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from reminders.channels.base import DeliveryError, OutboxLog, Outgoing
from reminders.clock import Clock

REFUSED = {
    "+15005550001": ("21211", "the number is not a valid phone number"),
    "+15005550009": ("21614", "the number is not a mobile number (landline?)"),
}


class OutboxChannel:
    def __init__(
        self,
        name: str,
        log: OutboxLog,
        clock: Clock,
        echo: TextIO | None = sys.stdout,
    ) -> None:
        self.name = name
        self.log = log
        self.clock = clock
        self.echo = echo

    def send(self, message: Outgoing) -> str:
        refused = REFUSED.get(message.to) or (
            ("550", "no such domain") if message.to.endswith(".invalid") else None
        )
        if refused:
            raise DeliveryError(refused[1], permanent=True, code=refused[0], unreachable=True)
        try:
            return self._record(message)
        except Exception as exc:
            # Recording is the outbox's whole job, and idempotent (claim below): any failure
            # to record is temporary, and even a timeout is safe to retry.
            raise DeliveryError(
                f"outbox unavailable: {type(exc).__name__}", permanent=False, code="redis"
            ) from exc

    def _record(self, message: Outgoing) -> str:
        provider_id = f"outbox-{message.reminder_id}"
        if not self.log.claim(message.reminder_id, provider_id):
            return provider_id  # recorded by an earlier attempt whose outcome was lost
        at = self.clock.now()
        entry: dict[str, Any] = {
            "at": at.isoformat(),
            "id": provider_id,
            "reminder": message.reminder_id,
            "channel": message.channel,
            "to": message.to,
            "locale": message.locale,
            "subject": message.subject,
            "text": message.text,
        }
        self.log.append(entry)
        if self.echo is not None:
            head = f"[outbox {at:%Y-%m-%d %H:%M}Z] {message.channel} to {message.to}"
            head += f" ({message.locale})"
            body = f"{message.subject}: {message.text}" if message.subject else message.text
            print(f"{head}: {body}", file=self.echo, flush=True)
        return provider_id

    def find_sent(self, reminder_id: str) -> str | None:
        return self.log.provider_id(reminder_id)

    def messages(self) -> list[dict[str, Any]]:
        """Every message recorded so far (the demo and the tests read them)."""
        return self.log.messages()
