"""Thin Celery wrappers: they take ids, call one plain function and return a summary.

Task names and arguments are a public API across rolling deploys: change them only by adding.
"""

from __future__ import annotations

from typing import Any

from reminders import delivery
from reminders.celery_app import ReminderTask, app
from reminders.staff import retention
from reminders.wiring import Services


@app.task(bind=True, name="reminders.dispatch_due", ignore_result=True)
def dispatch_due(self: ReminderTask) -> dict[str, Any]:
    return _tick(self.services)


@app.task(bind=True, name="reminders.dispatch_if_due", ignore_result=True)
def dispatch_if_due(self: ReminderTask) -> dict[str, Any]:
    sv = self.services
    return delivery.dispatch_if_due(sv.store, sv.clock.now(), lambda: _tick(sv))


def _tick(sv: Services) -> dict[str, Any]:
    s = sv.settings
    # REMINDERS_DELIVERY_BATCH=1: one reminders.deliver per claim, what workers older than
    # deliver_batch understand. No ETA, ever.
    single = s.delivery_batch == 1
    return delivery.dispatch_tick(
        sv.store,
        sv.clock.now(),
        (lambda rid, token: deliver.apply_async((rid, token))) if single else None,
        enqueue_batch=None if single else (lambda pairs: deliver_batch.apply_async((pairs,))),
        batch=s.dispatch_batch,
        lease_seconds=sv.clock.virtual_seconds(s.claim_lease),  # a real-seconds setting
        lock_seconds=s.dispatch_lock,  # a Redis expiry: real seconds already
        max_unstarted=s.max_unstarted_claims,
        per_task=s.delivery_batch,
    )


@app.task(
    bind=True,
    name="reminders.deliver",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
)
def deliver(self: ReminderTask, reminder_id: str, token: str) -> str:
    sv = self.services
    return delivery.deliver(sv.store, reminder_id, token, sv.channels, sv.clock.now, sv.delivery)


@app.task(
    bind=True,
    name="reminders.deliver_batch",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    # A batch of slow sends takes a while (REMINDERS_DELIVERY_BATCH / REMINDERS_SEND_THREADS
    # rounds of at most the channels' timeouts); the claims' lease (REMINDERS_CLAIM_LEASE)
    # covers it. Each send keeps its own send lease, so a limit cutting a batch short loses
    # nothing: what did not begin is claimed again, what began is looked up.
    soft_time_limit=300,
    time_limit=360,
)
def deliver_batch(self: ReminderTask, pairs: list[list[str]]) -> dict[str, str]:
    """``pairs``: [reminder id, claim token] lists (JSON has no tuples)."""
    sv = self.services
    return delivery.deliver_batch(
        sv.store,
        [(rid, token) for rid, token in pairs],
        sv.channels,
        sv.clock.now,
        sv.delivery,
        senders=sv.settings.send_threads,
    )


@app.task(bind=True, name="reminders.purge_expired", ignore_result=True)
def purge_expired(self: ReminderTask) -> dict[str, Any]:
    sv = self.services
    purged = retention.purge(sv.store, sv.clock.now(), sv.settings.retention_days)
    return {"purged": len(purged)}
