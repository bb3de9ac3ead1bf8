"""The seam every delivery channel implements."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Outgoing:
    reminder_id: str
    channel: str
    to: str
    locale: str
    text: str
    subject: str | None = None
    html: str | None = None


class DeliveryError(Exception):
    """The message did not go out. ``permanent`` says retrying cannot help (an invalid number,
    an opted-out patient); otherwise a later attempt may succeed. ``code`` is the provider's."""

    def __init__(self, reason: str, *, permanent: bool, code: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.code = code


class Channel(Protocol):
    name: str

    def send(self, message: Outgoing) -> str:
        """Send one message; returns the provider's id. Raises DeliveryError on failure."""
        ...

    def find_sent(self, reminder_id: str) -> str | None:
        """The provider id of an earlier send of this reminder whose outcome was lost (the worker
        died mid-send), or None when the channel knows of none."""
        ...
