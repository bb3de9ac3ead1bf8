"""The seam every delivery channel implements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
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
    # The reminder's deadline: a provider queue must not deliver it later (SMS validity period).
    deadline: datetime | None = None


class DeliveryError(Exception):
    """The message did not go out. ``permanent`` says retrying cannot help (an invalid number,
    an opted-out patient); otherwise a later attempt may succeed. ``code`` is the provider's.

    Optional refinements, all keyword-only so older callers keep working:
    ``ambiguous``: the request may have reached the provider (a read timeout after sending), so
    the outcome is unknown and the message must be reconciled, never blindly sent again;
    ``opted_out``: the recipient has unsubscribed (record it, never route around it);
    ``unreachable``: this address can never receive on this channel (invalid, landline);
    ``retry_after``: seconds to wait before trying again (a local rate limit), not an attempt.
    """

    def __init__(
        self,
        reason: str,
        *,
        permanent: bool,
        code: str | None = None,
        ambiguous: bool = False,
        opted_out: bool = False,
        unreachable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
        self.code = code
        self.ambiguous = ambiguous
        self.opted_out = opted_out
        self.unreachable = unreachable or opted_out
        self.retry_after = retry_after

    @property
    def kind(self) -> str:
        """One word for tests and logs: permanent | ambiguous | throttled | temporary."""
        if self.permanent:
            return "permanent"
        if self.ambiguous:
            return "ambiguous"
        return "throttled" if self.retry_after is not None else "temporary"


class Channel(Protocol):
    name: str

    def send(self, message: Outgoing) -> str:
        """Send one message; returns the provider's id. Raises DeliveryError on failure."""
        ...

    def find_sent(self, reminder_id: str) -> str | None:
        """The provider id of an earlier send of this reminder whose outcome was lost (the worker
        died mid-send, or a timeout after sending), or None when the channel knows of none.
        Raises DeliveryError when it cannot tell (the provider could not be asked)."""
        ...
