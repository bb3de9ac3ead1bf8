"""Which patient data has expired: an appointment's a set number of days after its last
reminder, once all its reminders are finished; and what belongs to no appointment (the opt-out
log, the staff audit, replies from unknown numbers, the marks of numbers no appointment names
any more) the same number of days after it was written. The store forgets them
(``store.purge``); an appointment's audit trail stays, recording what happened by reminder id
and time, never to whom."""

from __future__ import annotations

from datetime import datetime, timedelta

from reminders.model import TERMINAL
from reminders.store import Snapshot, Store


def purge(store: Store, now: datetime, days: int) -> list[str]:
    """Forget every appointment whose reminders are all finished and whose last reminder (or
    procedure end) is more than ``days`` ago, then whatever else is older than that and
    belongs to no appointment any more. Returns the purged appointment ids."""
    cutoff = now - timedelta(days=days)
    purged = []
    for snap in list(store.appointments.all()):
        if not expired(snap, cutoff):
            continue
        store.purge.forget(snap, now, f"{days} days after the last reminder")
        purged.append(snap.appointment.external_id)
    # After the appointments: a number they named is now named by none, and may expire too.
    store.purge.expire(cutoff, now)
    return purged


def expired(snap: Snapshot, cutoff: datetime) -> bool:
    if any(r.state not in TERMINAL for r in snap.reminders):
        return False
    last = max(
        [snap.appointment.procedure.end, *((r.changed_at or r.due_at) for r in snap.reminders)]
    )
    return last <= cutoff
