"""Purge patient data a set number of days after an appointment's last reminder. The audit
trail stays: it records what happened by reminder id and time, never who it happened to."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from reminders.store import Snapshot, Store

TERMINAL = {"sent", "skipped", "cancelled", "failed"}
# What an event may carry about the person: a reply's sender and text, an acknowledgement's text.
PERSONAL = ("from", "to", "body", "text", "phone", "email", "name")


def purge(store: Store, now: datetime, days: int) -> list[str]:
    """Delete every appointment whose reminders are all finished and whose last reminder (or
    procedure end) is more than ``days`` ago, with its index entries and the replies kept for
    staff; strip personal fields from its audit events. Returns the purged appointment ids."""
    cutoff = now - timedelta(days=days)
    purged = []
    for key in list(store.r.scan_iter(f"{store.prefix}:a:*", count=500)):
        aid = _text(key).split(":a:", 1)[1]
        snap = store.snapshot(aid)
        if snap is None or not _expired(snap, cutoff):
            continue
        _forget(store, snap, now, days)
        purged.append(aid)
    return purged


def _expired(snap: Snapshot, cutoff: datetime) -> bool:
    if any(str(r.state) not in TERMINAL for r in snap.reminders):
        return False
    last = max(
        [snap.appointment.procedure.end, *((r.changed_at or r.due_at) for r in snap.reminders)]
    )
    return last <= cutoff


def _forget(store: Store, snap: Snapshot, now: datetime, days: int) -> None:
    aid = snap.appointment.external_id
    events = [_scrub(json.loads(e)) for e in store.r.lrange(store.events_key(aid), 0, -1)]
    events.append(
        {"at": now.isoformat(), "type": "purged", "reason": f"{days} days after the last reminder"}
    )
    inbox_key = f"{store.prefix}:inbox"
    replies = [
        x for x in store.r.lrange(inbox_key, 0, -1) if aid in json.loads(x).get("appointments", [])
    ]
    acks = [m for m, _ in store.r.zscan_iter(f"{store.prefix}:acks", match=f"{aid}:*")]
    with store.r.pipeline() as pipe:
        pipe.delete(store.appointment_key(aid), store.events_key(aid))
        pipe.rpush(store.events_key(aid), *(json.dumps(e) for e in events))
        if snap.appointment.patient.phone:
            pipe.srem(f"{store.prefix}:phone:{snap.appointment.patient.phone}", aid)
        pipe.srem(f"{store.prefix}:attention", aid)
        if acks:
            pipe.zrem(f"{store.prefix}:acks", *acks)
        for raw in replies:
            pipe.lrem(inbox_key, 0, _text(raw))
        pipe.execute()


def _scrub(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k not in PERSONAL}


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
