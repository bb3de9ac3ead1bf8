"""The dispatch tick: claim what is due, in batches, and hand each claim to a delivery task."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from reminders.store import Store


def dispatch_tick(
    store: Store,
    now: datetime,
    enqueue: Callable[[str, str], None] | None = None,
    *,
    batch: int = 500,
    lease_seconds: float = 300,
    max_batches: int = 100,
    lock_seconds: float = 15,
    max_unstarted: int = 3,
    enqueue_batch: Callable[[list[tuple[str, str]]], None] | None = None,
    per_task: int = 50,
) -> dict[str, Any]:
    """Claim due reminders in batches and hand each (id, token) to ``enqueue``, or lists of up
    to ``per_task`` of them to ``enqueue_batch`` (one delivery task each, ``delivery.batch``).
    Safe to run twice at once: a claim is atomic, and a second tick finds nothing left to claim.
    Returns a summary for the logs."""
    if (enqueue is None) == (enqueue_batch is None):
        raise TypeError("dispatch_tick needs exactly one of enqueue and enqueue_batch")
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
            if enqueue_batch is not None:
                for i in range(0, len(pairs), per_task):
                    enqueue_batch(pairs[i : i + per_task])
            elif enqueue is not None:
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


def dispatch_if_due(
    store: Store, now: datetime, tick: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """Run ``tick`` (a dispatch tick) only if something is due: between the regular ticks of
    ``REMINDERS_DISPATCH_INTERVAL``, a look at the due index each ``REMINDERS_DUE_CHECK``
    seconds (one cheap read) so that a reminder falling due waits about that long, not a whole
    interval, without claiming or locking anything while nothing is due."""
    if not store.reminders.anything_due(now):
        return {"due": False}
    return tick()
