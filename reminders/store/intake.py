"""HL7 messages already acknowledged: a sender repeats a message (same MSH-10) when our ACK was
lost, and must get the same ACK with no second change. Each entry expires after the retention
period. What the entry holds is the ACK itself, which names no patient."""

from __future__ import annotations

import hashlib

import redis

from reminders.store.keys import Keys
from reminders.store.record import text


def digest(sender: str, control_id: str) -> str:
    """Control ids are unique per sending application and facility, not across them."""
    return hashlib.sha256(f"{sender}\x00{control_id}".encode()).hexdigest()


class Intake:
    def __init__(self, client: redis.Redis, keys: Keys, *, remember: int) -> None:
        """``remember``: seconds an acknowledged message's id is kept (the retention period)."""
        self.r = client
        self.keys = keys
        self.remember = remember

    def acknowledged(self, sender: str, control_id: str) -> str | None:
        """The ACK sent for this message, or None if it was never accepted."""
        raw = self.r.get(self.keys.hl7_message(digest(sender, control_id)))
        return None if raw is None else text(raw)

    def record(self, sender: str, control_id: str, ack: str) -> None:
        """Called after the message's change is stored: a crash between the two means a
        repeat applies the same change again, which changes nothing the second time."""
        key = self.keys.hl7_message(digest(sender, control_id))
        self.r.set(key, ack, ex=self.remember)
