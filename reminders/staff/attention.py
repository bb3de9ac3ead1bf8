"""What needs a human: permanent failures, reminders flagged for staff (moment passed at
booking, carrier errors, opted-out patients with safety reminders pending), sends whose outcome
is unknown, and escorts not confirmed by the day before the procedure."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta

from reminders.model import AppointmentStatus, ReminderState
from reminders.store import ReminderRecord, Snapshot, Store

NEEDS_HUMAN = {
    "failed": "delivery failed permanently",
    "flagged": "flagged for staff",
    "unknown": "send outcome unknown, awaiting reconciliation",
}


@dataclass(frozen=True)
class Item:
    id: str
    kind: str
    appointment_id: str
    reminder_id: str | None
    summary: str
    since: str
    handled: dict[str, str] | None = None

    def as_json(self) -> dict[str, object]:
        return asdict(self)


def items(store: Store, now: datetime, *, include_handled: bool = False) -> list[Item]:
    handled = store.attention.handled()
    found = [_reminder_item(i.appointment_id, i.reminder) for i in store.attention.items()]
    # A scan, only for the escort check; a clinic has thousands of appointments, not millions.
    found += [item for snap in store.appointments.all() for item in _escort(snap, store, now)]
    out = [
        replace(item, handled=handled.get(item.id))
        for item in found
        if include_handled or item.id not in handled
    ]
    out.sort(key=lambda i: i.since)
    return out


def mark_handled(store: Store, item_id: str, now: datetime, by: str, note: str) -> bool:
    return store.attention.mark_handled(item_id, now, by, note)


def _reminder_item(aid: str, r: ReminderRecord) -> Item:
    """One reminder the store's attention index holds (failed and not replaced by email,
    flagged, or unknown)."""
    detail = "; ".join(x for x in (r.reason, r.error or "") if x)
    return Item(
        f"{r.state}:{r.id}",
        str(r.state),
        aid,
        r.id,
        f"{r.rule} by {r.channel}: {NEEDS_HUMAN.get(str(r.state), str(r.state))}"
        + (f" ({detail})" if detail else ""),
        (r.changed_at or r.due_at).isoformat(),
    )


def _escort(snap: Snapshot, store: Store, now: datetime) -> Iterator[Item]:
    aid = snap.appointment.external_id
    appt = snap.appointment
    if appt.status is not AppointmentStatus.BOOKED or appt.procedure.start <= now:
        return
    zone = appt.patient.zone
    day_before = datetime.combine(
        appt.procedure.start.astimezone(zone).date() - timedelta(days=1),
        datetime.min.time(),
        tzinfo=zone,
    )
    escort_sent = any(r.rule == "escort" and r.state is ReminderState.SENT for r in snap.reminders)
    if now >= day_before and escort_sent and not _escort_confirmed(store, aid):
        yield Item(
            f"escort:{aid}:{snap.version}",
            "escort_unconfirmed",
            aid,
            None,
            "the patient has not confirmed an escort home",
            day_before.isoformat(),
        )


def _escort_confirmed(store: Store, aid: str) -> bool:
    return any(a.get("kind") == "escort" for a in store.contacts.acknowledgements(aid))
