"""A reminder as the store keeps it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reminders.models import ReminderState
from reminders.schedule.planner import PlannedReminder, parse_reminder_id


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

    @property
    def field(self) -> str:
        return field_for(self.id)

    @classmethod
    def from_json(cls, rid: str, raw: str | bytes) -> ReminderRecord:
        r: dict[str, Any] = json.loads(raw)
        appointment_id, version, rule, medicine, channel = parse_reminder_id(rid)
        return cls(
            id=rid,
            appointment_id=appointment_id,
            version=version,
            rule=rule,
            medicine=medicine,
            channel=channel,
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
        )


def twin_id(rid: str, channel: str) -> str:
    """The same reminder (appointment, version, rule, medicine) on another channel."""
    return rid.rsplit(":", 1)[0] + ":" + channel


def fallback_spec(sms: ReminderRecord, due: datetime) -> str:
    """What the store needs to add the email twin of a failed SMS reminder (see scripts.HELPERS):
    the same message and deadline, due at ``due``."""
    eid = twin_id(sms.id, "email")
    record: dict[str, Any] = {
        "s": "scheduled",
        "d": ts(due),
        "dl": ts(sms.deadline),
        "m": sms.message,
        "ff": sms.id,
    }
    return json.dumps(
        {"f": field_for(eid), "id": eid, "rec": json.dumps(record, separators=(",", ":"))}
    )


def field_for(rid: str) -> str:
    return "r:" + rid.split(":", 1)[1]


def encode_planned(p: PlannedReminder) -> str:
    """Only what cannot be derived from the id: this is most of a pending reminder's bytes."""
    record: dict[str, Any] = {
        "s": str(p.state),
        "d": ts(p.due_at),
        "dl": ts(p.deadline),
        "m": p.message,
    }
    if p.nominal_at != p.due_at:
        record["n"] = ts(p.nominal_at)
    if p.reason:
        record["why"] = p.reason
    return json.dumps(record, separators=(",", ":"))
