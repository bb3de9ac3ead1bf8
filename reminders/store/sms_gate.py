"""The last step before an SMS goes out (``lua/sms_gate.lua``), one atomic round trip: is the
number blocked (opted out, unusable), else take the sender's share of the rate limit, else note
the attempt in the send log. Channels get it as ``channels.base.SendGate``.

Why one step: the three used to be three round trips per send, and a round trip is the largest
cost a send has after the provider's HTTP request. Atomic, too, which three calls were not: an
opt-out recorded a moment before cannot pass a check made before it, and a send refused or told
to wait leaves neither spent tokens nor a memo of an attempt that never happened.

The rate limit is a token bucket shared by every worker: the provider accepts only so many
messages per second from one sender, and exceeding that costs 429s or a queue that delivers
late."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import redis

from reminders.store.contacts import Fingerprints, SmsBlock, block_for
from reminders.store.keys import Keys
from reminders.store.lua import source
from reminders.store.pipeline import run as run_pipeline
from reminders.store.record import text
from reminders.store.sendlog import MEMO_TTL

# (to, cost, memo kind, reminder id, memo): ``SmsGate.admit``'s arguments.
AdmissionRequest = tuple[str, float, str, str, str]


@dataclass(frozen=True)
class Admission:
    """``wait``: seconds until the rate limit has room (0.0: admitted, the memo noted);
    ``block``: why this number gets no SMS. Either way but admitted, nothing was taken or
    noted."""

    wait: float = 0.0
    block: SmsBlock | None = None

    @property
    def blocked(self) -> str | None:
        return self.block.reason if self.block else None

    @property
    def opted_out(self) -> bool:
        return bool(self.block and self.block.opted_out)


class SmsGate:
    def __init__(
        self,
        client: redis.Redis,
        keys: Keys,
        fingerprints: Fingerprints,
        sender: str,
        per_second: float,
        memo_ttl: int = MEMO_TTL,
    ) -> None:
        self.keys = keys
        self.fingerprints = fingerprints
        self.bucket = keys.rate(sender)
        self.rate = per_second
        # One second's worth of burst (at least one message), so an idle sender may start at once.
        self.capacity = max(1.0, per_second)
        self.memo_ttl = memo_ttl
        self.r = client
        self._admit = client.register_script(source("sms_gate"))

    def admit(self, to: str, cost: float, memo_kind: str, rid: str, memo: str) -> Admission:
        """Admit an SMS of ``cost`` segments to ``to``, noting ``memo`` under (``memo_kind``,
        ``rid``) in the send log when admitted."""
        return _verdict(self._admit(**self._call(to, cost, memo_kind, rid, memo)))

    def admit_many(self, sends: Sequence[AdmissionRequest]) -> list[Admission]:
        """``admit`` for several sends in one round trip, each its own atomic step in order
        (a delivery batch admits what it is about to send side by side)."""
        pipe = self.r.pipeline(transaction=False)
        for send in sends:
            self._admit(**self._call(*send), client=pipe)
        return [_verdict(answer) for answer in run_pipeline(self.r, pipe)]

    def _call(self, to: str, cost: float, memo_kind: str, rid: str, memo: str) -> dict[str, Any]:
        k = self.keys
        memo_key = k.sendlog(memo_kind, rid)
        return {
            "keys": [k.optout, k.optout_fingerprints, k.unusable, self.bucket, memo_key],
            "args": [to, self.rate, self.capacity, cost, memo, self.memo_ttl,
                     *self.fingerprints.candidates(to)],
        }  # fmt: skip


def _verdict(answer: Any) -> Admission:
    if isinstance(answer, Exception):
        raise answer  # what Redis said to this one (StoreUnavailable to callers)
    verdict = text(answer[0])
    if verdict == "ok":
        return Admission()
    if verdict == "wait":
        return Admission(wait=float(answer[1]))
    return Admission(block=block_for(verdict == "optout", answer[1] if len(answer) > 1 else None))
