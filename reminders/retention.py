"""Purge patient data a set number of days after an appointment's last reminder. The audit
trail stays: it records what happened by reminder id and time, never who it happened to."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from reminders.store import Store

TERMINAL = {"sent", "skipped", "cancelled", "failed"}


def purge(store: Store, now: datetime, days: int) -> list[str]:
    """Delete every appointment whose reminders are all finished and whose last reminder (or
    procedure end) is more than ``days`` ago. Returns the purged appointment ids."""
    cutoff = now - timedelta(days=days)
    purged = []
    for key in list(store.r.scan_iter(f"{store.prefix}:a:*", count=500)):
        aid = (key.decode() if isinstance(key, bytes) else key).split(":a:", 1)[1]
        snap = store.snapshot(aid)
        if snap is None or any(str(r.state) not in TERMINAL for r in snap.reminders):
            continue
        last = max(
            [snap.appointment.procedure.end, *((r.changed_at or r.due_at) for r in snap.reminders)]
        )
        if last > cutoff:
            continue
        with store.r.pipeline() as pipe:
            pipe.delete(key)
            pipe.rpush(
                store.events_key(aid),
                json.dumps(
                    {
                        "at": now.isoformat(),
                        "type": "purged",
                        "reason": f"{days} days after the last reminder",
                    }
                ),
            )
            pipe.execute()
        purged.append(aid)
    return purged
