"""Which appointments' patient data has expired: a set number of days after an appointment's
last reminder, once all its reminders are finished. The store forgets them (``store.purge``);
their audit trail stays, recording what happened by reminder id and time, never to whom."""

from __future__ import annotations

from datetime import datetime, timedelta

from reminders.model import TERMINAL
from reminders.store import Snapshot, Store


def purge(store: Store, now: datetime, days: int) -> list[str]:
    """Forget every appointment whose reminders are all finished and whose last reminder (or
    procedure end) is more than ``days`` ago. Returns the purged appointment ids."""
    cutoff = now - timedelta(days=days)
    purged = []
    for snap in list(store.appointments.all()):
        if not expired(snap, cutoff):
            continue
        store.purge.forget(snap, now, f"{days} days after the last reminder")
        purged.append(snap.appointment.external_id)
    return purged


def expired(snap: Snapshot, cutoff: datetime) -> bool:
    if any(r.state not in TERMINAL for r in snap.reminders):
        return False
    last = max(
        [snap.appointment.procedure.end, *((r.changed_at or r.due_at) for r in snap.reminders)]
    )
    return last <= cutoff
