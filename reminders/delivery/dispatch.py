"""The dispatch tick: claim what is due, in batches, and hand each claim to a delivery task."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from reminders.store import Store


def dispatch_tick(
    store: Store,
    now: datetime,
    enqueue: Callable[[str, str], None],
    *,
    batch: int = 500,
    lease_seconds: float = 300,
    max_batches: int = 100,
    lock_seconds: float = 15,
    max_unstarted: int = 3,
) -> dict[str, Any]:
    """Claim due reminders in batches and hand each (id, token) to ``enqueue``. Safe to run
    twice at once: a claim is atomic, and a second tick finds nothing left to claim. Returns a
    summary for the logs."""
    # The lock only stops ticks from overlapping, for about one dispatch interval
    # (``lock_seconds``): if its holder dies mid-tick (and the lock survives in the AOF), the next
    # tick must not wait longer than that; claims are atomic, so an early second tick is harmless.
    lock = store.ops.try_lock("dispatch", lock_seconds)
    if lock is None:
        return {"skipped": "another dispatch tick is running"}
    claimed = 0
    try:
        for _ in range(max_batches):
            pairs = store.reminders.claim_due(
                now, batch, lease_seconds, max_unstarted=max_unstarted
            )
            for rid, token in pairs:
                enqueue(rid, token)
            claimed += len(pairs)
            if len(pairs) < batch:
                break
        summary = {"claimed": claimed, "backlog": store.reminders.due_count(now)}
        store.ops.record_dispatch_run(now, summary)
        store.stats.backlog(now, attention=store.attention.size(), due=summary["backlog"])
        return summary
    finally:
        store.ops.unlock("dispatch", lock)
