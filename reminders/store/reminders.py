"""Reminders through their lifecycle after planning: claimed from the due index, taken into
sending, finished with an outcome, updated by the provider's status reports, and settled when a
patient opts out. Each transition is one Lua script (``store/lua/``)."""

from __future__ import annotations

import json
import math
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis

from reminders.ids import ReminderId, appointment_of, field_for
from reminders.model import Appointment
from reminders.store.keys import Keys
from reminders.store.lua import source
from reminders.store.record import Patch, ReminderRecord, text, ts

# Delivery statuses in the order a message moves through them; callbacks may arrive twice or
# out of order, so a status never replaces one of equal or higher rank.
RANKS = {
    "accepted": 1,
    "scheduled": 1,
    "queued": 2,
    "sending": 3,
    "sent": 4,
    "delivered": 5,
    "undelivered": 5,
    "failed": 5,
    "canceled": 5,
    "partially_delivered": 5,
    "read": 6,
}


@dataclass(frozen=True)
class Begun:
    """The outcome of taking a claimed reminder into sending."""

    status: str  # ok | gone | cancelled | skipped | flagged | waiting
    reason: str = ""
    record: ReminderRecord | None = None
    appointment: Appointment | None = None
    # For a send whose earlier outcome was lost: how the reminder ends if the lookup finds that
    # nothing went out (state, why), e.g. cancelled because the appointment changed meanwhile.
    if_not_sent: tuple[str, str] | None = None


def finished(answer: Any) -> tuple[bool, str]:
    """finish.lua's answer: whether this worker still owned the reminder, and the state it is
    in now (flagged when an email twin could not replace a failed SMS)."""
    return answer[0] == b"ok", text(answer[1])


class Reminders:
    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.r = client
        self.keys = keys
        self._claim = client.register_script(source("claim"))
        self._begin = client.register_script(source("begin"))
        self._finish = client.register_script(source("finish"))
        self._delivery = client.register_script(source("delivery"))
        self._opted_out = client.register_script(source("opted_out"))

    def _keys(self, aid: str) -> list[str]:
        k = self.keys
        return [k.appointment(aid), k.due, k.events(aid), k.attention]

    def get(self, rid: str) -> ReminderRecord | None:
        raw = self.r.hget(self.keys.appointment(appointment_of(rid)), field_for(rid))
        return ReminderRecord.from_json(rid, raw) if raw else None

    def claim_due(
        self, now: datetime, batch: int, lease_seconds: float, *, max_unstarted: int = 3
    ) -> list[tuple[str, str]]:
        """Claim up to ``batch`` reminders due at ``now`` (and those whose lease ran out):
        returns (reminder id, claim token) pairs. Two claimers never get the same reminder. A
        reminder claimed ``max_unstarted`` times without a worker beginning its send, or whose
        claim ran out past its deadline, is flagged for staff instead."""
        out = self._claim(
            keys=[self.keys.due, self.keys.attention],
            # Rounded down, so a reminder is never claimed even a millisecond before it is due.
            args=[
                math.floor(now.timestamp() * 1000) / 1000,
                batch,
                ts(now) + lease_seconds,
                secrets.token_hex(6),
                self.keys.prefix,
                max_unstarted,
                now.isoformat(),
            ],
        )
        return [(out[i].decode(), out[i + 1].decode()) for i in range(0, len(out), 2)]

    def begin_send(
        self, rid: str, token: str, now: datetime, lease_seconds: float, *, recheck: float = 30
    ) -> Begun:
        """Take a claimed reminder into sending after the last checks (begin.lua). A reminder
        waiting for an earlier send's outcome goes back to the due index ``recheck`` seconds
        later, without counting an attempt."""
        return self.queue_begin(self.r, rid, token, now, lease_seconds, recheck=recheck)(None)

    def queue_begin(
        self,
        client: Any,
        rid: str,
        token: str,
        now: datetime,
        lease_seconds: float,
        *,
        recheck: float = 30,
        appointments: dict[bytes, Appointment] | None = None,
    ) -> Callable[[Any], Begun]:
        """``begin_send`` on ``client``, a client or a pipeline (``store.batch``): returns what
        turns the script's answer into a Begun (None: the answer ``client`` gave at once). An
        appointment read by several begins of a batch is decoded once (``appointments``)."""
        ident = ReminderId.parse(rid)
        aid = ident.appointment_id
        sent = self._begin(
            keys=self._keys(aid),
            args=[
                ident.field,
                rid,
                token,
                ts(now),
                ts(now) + lease_seconds,
                str(ident.version),
                now.isoformat(),
                ts(now) + recheck,
                aid,
            ],
            client=client,
        )

        def parse(answer: Any) -> Begun:
            out = sent if answer is None else answer
            status = out[0].decode()
            if status != "ok":
                return Begun(status, out[1].decode() if len(out) > 1 and out[1] else "")
            later = (out[3].decode(), out[4].decode()) if out[3] else None
            doc = bytes(out[2])
            appt = appointments.get(doc) if appointments is not None else None
            if appt is None:
                appt = Appointment.from_dict(json.loads(doc))
                if appointments is not None:
                    appointments[doc] = appt
            return Begun(
                "ok",
                record=ReminderRecord.from_json(rid, out[1]),
                appointment=appt,
                if_not_sent=later,
            )

        return parse

    def finish(
        self,
        rec: ReminderRecord,
        token: str,
        state: str,
        now: datetime,
        *,
        patch: Patch,
        event: str,
        retry_at: datetime | None = None,
        fallback: str | None = None,
        flag_why: str = "",
    ) -> bool:
        """Record the outcome of a send, with an audit event of type ``event``. False if this
        worker no longer owns the reminder. With ``fallback`` (record.fallback_spec) the email
        twin is added unless it is already pending or sent; when it cannot be (it failed) the
        reminder is flagged with ``flag_why`` instead of ending in ``state``."""
        answer = self.queue_finish(
            self.r, rec, token, state, now, patch=patch, event=event, retry_at=retry_at,
            fallback=fallback, flag_why=flag_why,
        )  # fmt: skip
        return finished(answer)[0]

    def queue_finish(
        self,
        client: Any,
        rec: ReminderRecord,
        token: str,
        state: str,
        now: datetime,
        *,
        patch: Patch,
        event: str,
        retry_at: datetime | None = None,
        fallback: str | None = None,
        flag_why: str = "",
    ) -> Any:
        """``finish`` on ``client``, a client (its answer) or a pipeline (``store.batch``); the
        answer means what ``finished`` says."""
        aid = rec.appointment_id
        audit = {"at": now.isoformat(), "type": event, "reminder": rec.id, **patch.event()}
        return self._finish(
            keys=self._keys(aid),
            args=[
                rec.field,
                rec.id,
                token,
                state,
                json.dumps(patch.stored(rec.attempts)),
                ts(now),
                "" if retry_at is None else str(ts(retry_at)),
                json.dumps(audit),
                aid,
                fallback or "",
                flag_why,
            ],
            client=client,
        )

    def record_delivery(
        self,
        rid: str,
        provider_id: str,
        status: str,
        now: datetime,
        *,
        code: str = "",
        action: str = "",
        retry_at: datetime | None = None,
        why: str = "",
        fallback: str | None = None,
    ) -> str:
        """Apply one provider status report. Returns ok | duplicate (not newer than what we
        know) | stale (about an earlier message of this reminder) | missing. ``action`` (only for
        a final failure) is retry (at ``retry_at``), failed, flag, or fallback (``fallback`` is
        record.fallback_spec: email twin, else flagged)."""
        aid = appointment_of(rid)
        event: dict[str, Any] = {
            "at": now.isoformat(),
            "type": "delivery",
            "reminder": rid,
            "status": status,
            "provider_id": provider_id,
        }
        if code:
            event["code"] = code
        out = self._delivery(
            keys=self._keys(aid),
            args=[
                field_for(rid),
                rid,
                provider_id,
                status,
                RANKS.get(status, 0),
                code,
                ts(now),
                action,
                "" if retry_at is None else str(ts(retry_at)),
                why,
                fallback or "",
                json.dumps(event),
                aid,
            ],
        )
        return str(out[0].decode())

    def settle_opted_out(
        self, rid: str, now: datetime, *, why: str, why_covered: str, fallback: str | None
    ) -> str:
        """A waiting SMS reminder whose patient opted out: replaced by its email twin
        (``fallback``, when the patient has an email) and skipped, else flagged for staff.
        Returns the reminder's state afterwards."""
        aid = appointment_of(rid)
        out = self._opted_out(
            keys=self._keys(aid),
            args=[
                field_for(rid),
                rid,
                ts(now),
                why,
                why_covered,
                fallback or "",
                now.isoformat(),
                aid,
            ],
        )
        return str(out[-1].decode())

    def anything_due(self, now: datetime) -> bool:
        """Whether a dispatch tick would find work: one cheap read of the due index."""
        return bool(self.r.zrangebyscore(self.keys.due, "-inf", ts(now), start=0, num=1))

    def due_count(self, now: datetime) -> int:
        return int(self.r.zcount(self.keys.due, "-inf", ts(now)))

    def pending_count(self) -> int:
        return int(self.r.zcard(self.keys.due))
