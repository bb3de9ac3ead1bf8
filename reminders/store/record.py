"""A reminder as the store keeps it, and the one codec between its long names (Python, audit
events, the API) and the compact JSON keys stored in Redis and read by the Lua scripts.

A pending reminder stores only what its id cannot tell (state, due time, deadline, message):
this is most of the bytes of a booked appointment.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from reminders.ids import ReminderId, field_for
from reminders.model import MAYBE_SENT, NEEDS_ATTENTION, PlannedReminder, ReminderState

# long name -> stored key. The Lua scripts use the stored keys (a test checks every ``r.x`` they
# touch is listed here). The last three are the scripts' own bookkeeping.
FIELDS = {
    "state": "s",
    "due_at": "d",
    "nominal_at": "n",
    "deadline": "dl",
    "message": "m",
    "reason": "why",
    "attempts": "att",
    "provider_id": "pid",
    "locale": "loc",
    "fallback": "fb",
    "changed_at": "at",
    "lease_until": "lease",
    "lost_leases": "lost",
    "check_before_resend": "chk",
    "error": "err",
    "fallback_for": "ff",
    "covered_by": "cov",
    "delivery": "dlv",
    "delivery_code": "dcode",
    "carrier_retried": "cr",
    "claim_token": "tok",
    "earlier_provider_id": "xp",
    "delivery_rank": "dr",
    "waits_for": "hold",
    "unless_sent": "hc",
    "unknown_since": "us",
    "unstarted_claims": "nc",
}


def text(value: bytes | str) -> str:
    """redis-py answers bytes; keys and ids are text."""
    return value.decode() if isinstance(value, bytes) else value


def ts(at: datetime) -> float:
    return round(at.timestamp(), 3)


def dt(value: float) -> datetime:
    return datetime.fromtimestamp(value, UTC)


@dataclass(frozen=True)
class ReminderRecord:
    id: str
    appointment_id: str
    version: int
    rule: str
    medicine: int | None
    channel: str
    message: str
    state: ReminderState
    due_at: datetime
    nominal_at: datetime
    deadline: datetime
    reason: str = ""
    attempts: int = 0
    provider_id: str | None = None
    locale: str | None = None
    fallback: str | None = None
    changed_at: datetime | None = None
    lease_until: datetime | None = None
    lost_leases: int = 0
    check_before_resend: bool = False
    error: str | None = None
    fallback_for: str | None = None  # the SMS reminder this email replaces
    covered_by: str | None = None  # the email reminder that replaces this failed SMS
    delivery: str | None = None  # the provider's latest status (queued, sent, delivered, ...)
    delivery_code: str | None = None  # the provider's error code for undelivered/failed
    carrier_retried: bool = False
    waits_for: str | None = None  # an earlier version's send whose outcome decides this one
    unknown_since: datetime | None = None  # when its outcome was lost (lookups give up later)

    @property
    def in_flight(self) -> bool:
        """It may have reached the provider and nobody knows yet whether it did."""
        return self.state in MAYBE_SENT or self.check_before_resend

    @property
    def field(self) -> str:
        return field_for(self.id)

    @property
    def needs_attention(self) -> bool:
        """A person must look: failed (and not replaced by email), flagged, or unknown."""
        return self.state in NEEDS_ATTENTION and not self.covered_by

    @classmethod
    def from_json(cls, rid: str, raw: str | bytes) -> ReminderRecord:
        r: dict[str, Any] = json.loads(raw)
        ident = ReminderId.parse(rid)
        return cls(
            id=rid,
            appointment_id=ident.appointment_id,
            version=ident.version,
            rule=ident.rule,
            medicine=ident.medicine,
            channel=ident.channel,
            message=r["m"],
            state=ReminderState(r["s"]),
            due_at=dt(r["d"]),
            nominal_at=dt(r.get("n", r["d"])),
            deadline=dt(r["dl"]),
            reason=r.get("why") or "",
            attempts=int(r.get("att", 0)),
            provider_id=r.get("pid"),
            locale=r.get("loc"),
            fallback=r.get("fb"),
            changed_at=dt(r["at"]) if r.get("at") else None,
            lease_until=dt(r["lease"]) if r.get("lease") else None,
            lost_leases=int(r.get("lost", 0)),
            check_before_resend=bool(r.get("chk")),
            error=r.get("err"),
            fallback_for=r.get("ff"),
            covered_by=r.get("cov"),
            delivery=r.get("dlv"),
            delivery_code=r.get("dcode"),
            carrier_retried=bool(r.get("cr")),
            waits_for=r.get("hold"),
            unknown_since=dt(r["us"]) if r.get("us") else None,
        )


@dataclass(frozen=True)
class Patch:
    """What a finished send adds to the record, by long name. ``attempt_delta`` corrects the
    attempt count (-1: a throttled try was not an attempt)."""

    provider_id: str | None = None
    locale: str | None = None
    fallback: str | None = None
    reason: str | None = None
    error: str | None = None
    check_before_resend: bool = False
    attempt_delta: int = 0

    def stored(self, attempts: int) -> dict[str, Any]:
        """The stored keys the finish script merges into the record."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "attempt_delta":
                if value:
                    out[FIELDS["attempts"]] = attempts + value
            elif f.name == "check_before_resend":
                if value:
                    out[FIELDS[f.name]] = 1
            elif value is not None:
                out[FIELDS[f.name]] = value
        return out

    def event(self) -> dict[str, Any]:
        """The same, for the audit trail: long names, nothing empty."""
        return {
            f.name: getattr(self, f.name)
            for f in fields(self)
            if f.name != "attempt_delta" and getattr(self, f.name) not in (None, False)
        }


def fallback_spec(sms: ReminderRecord, due: datetime) -> str:
    """What the store needs to add the email twin of a failed SMS reminder (helpers.lua
    ``fallback``): the same message and deadline, due at ``due``."""
    eid = str(ReminderId.parse(sms.id).twin("email"))
    record: dict[str, Any] = {
        FIELDS["state"]: "scheduled",
        FIELDS["due_at"]: ts(due),
        FIELDS["deadline"]: ts(sms.deadline),
        FIELDS["message"]: sms.message,
        FIELDS["fallback_for"]: sms.id,
    }
    return json.dumps(
        {"f": field_for(eid), "id": eid, "rec": json.dumps(record, separators=(",", ":"))}
    )


def encode_planned(p: PlannedReminder) -> str:
    """Only what cannot be derived from the id."""
    record: dict[str, Any] = {
        FIELDS["state"]: str(p.state),
        FIELDS["due_at"]: ts(p.due_at),
        FIELDS["deadline"]: ts(p.deadline),
        FIELDS["message"]: p.message,
    }
    if p.nominal_at != p.due_at:
        record[FIELDS["nominal_at"]] = ts(p.nominal_at)
    if p.reason:
        record[FIELDS["reason"]] = p.reason
    if p.unless_sent:
        record[FIELDS["unless_sent"]] = list(p.unless_sent)
    return json.dumps(record, separators=(",", ":"))
