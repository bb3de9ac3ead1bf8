"""The seam every delivery channel implements, and the small interfaces through which a
channel keeps state: it never sees Redis (the store implements these; an import contract holds
``channels`` away from ``store``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol


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


class RecipientBlocked(DeliveryError):
    """Nothing was sent: the store already says this number gets no message (the patient opted
    out, the number cannot receive). Unlike a provider's refusal, there is nothing new to record
    about the number."""

    def __init__(self, reason: str, *, opted_out: bool) -> None:
        super().__init__(reason, permanent=True, code="blocked", opted_out=opted_out,
                         unreachable=True)  # fmt: skip


class Channel(Protocol):
    """Optionally ``admits_recipients = True``: send() itself refuses a number the store blocks
    (``RecipientBlocked``, from its ``SendGate``), so delivery does not ask the store first."""

    name: str

    def send(self, message: Outgoing) -> str:
        """Send one message; returns the provider's id. Raises DeliveryError on failure."""
        ...

    def find_sent(self, reminder_id: str) -> str | None:
        """The provider id of an earlier send of this reminder whose outcome was lost (the worker
        died mid-send, or a timeout after sending), or None when the channel knows of none.
        Raises DeliveryError when it cannot tell (the provider could not be asked)."""
        ...


class CarrierAction(StrEnum):
    """What a final carrier failure on a status report asks of us."""

    RETRY_ONCE = "retry_once"  # the handset may be reachable later
    FALLBACK = "fallback"  # SMS will never arrive at this number: use another channel
    FLAG = "flag"  # blocked, filtered or unknown: a person should look


FINAL_FAILURES = frozenset({"undelivered", "failed"})


@dataclass(frozen=True)
class StatusReport:
    """A provider's status callback about one message, already verified by the channel."""

    reminder_id: str
    provider_id: str
    status: str
    code: str = ""
    action: CarrierAction = CarrierAction.FLAG  # meaningful for a final failure only

    @property
    def final_failure(self) -> bool:
        return self.status in FINAL_FAILURES


class SendLog(Protocol):
    """A channel's memos about its sends (kept 14 days), to settle a send whose outcome was lost."""

    def remember(self, kind: str, rid: str, memo: str) -> None: ...

    def recall(self, kind: str, rid: str) -> str | None: ...

    def remember_owned(self, kind: str, rid: str, memo: str, owner_kind: str) -> None:
        """``remember(kind, rid, memo)``, and ``remember_first(owner_kind, memo, rid)``, at once."""
        ...

    def remember_first(self, kind: str, key: str, memo: str) -> bool:
        """Remember ``memo`` unless something is remembered under ``key`` already; True if
        this call's memo is the one kept (who owns a provider's message)."""
        ...


class OutboxLog(Protocol):
    """The development outbox's record of every message."""

    def claim(self, rid: str, provider_id: str) -> bool: ...

    def append(self, entry: dict[str, Any]) -> None: ...

    def provider_id(self, rid: str) -> str | None: ...

    def messages(self) -> list[dict[str, Any]]: ...


class Admission(Protocol):
    """A ``SendGate``'s answer. Unless admitted (no wait, no block), nothing was taken or noted."""

    @property
    def wait(self) -> float:
        """Seconds until the sender's shared rate has room; 0.0 when admitted."""
        ...

    @property
    def blocked(self) -> str | None:
        """Why this number must get no SMS (the patient opted out, the number is unusable)."""
        ...

    @property
    def opted_out(self) -> bool: ...


class SendGate(Protocol):
    """Admits one SMS in one atomic step: the number is not blocked, the sender's shared rate
    has room for ``cost`` segments (then taken), and ``memo`` is noted in the send log under
    (``memo_kind``, ``rid``), as ``SendLog.remember`` would."""

    def admit(self, to: str, cost: float, memo_kind: str, rid: str, memo: str) -> Admission: ...

    def admit_many(self, sends: Sequence[tuple[str, float, str, str, str]]) -> Sequence[Admission]:
        """``admit`` for several sends (each ``admit``'s arguments) in one round trip, each its
        own atomic step."""
        ...


class AsyncSender(Protocol):
    """A channel that also sends asynchronously (``sends_async``), so a delivery batch sends
    side by side on one event loop: it admits what it is about to send in one step
    (``admit_all``) and hands each its admission (``send_async``)."""

    sends_async: bool

    def admit_all(self, messages: Sequence[Outgoing]) -> Sequence[Admission]: ...

    async def send_async(self, message: Outgoing, admitted: Admission | None = None) -> str: ...
