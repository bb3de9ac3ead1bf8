"""Thin Celery wrappers: they take ids, call one plain function and return a summary.

Task names and arguments are a public API across rolling deploys: change them only by adding.
"""

from __future__ import annotations

from typing import Any

from reminders import delivery
from reminders.celery_app import ReminderTask, app
from reminders.staff import retention


@app.task(bind=True, name="reminders.dispatch_due", ignore_result=True)
def dispatch_due(self: ReminderTask) -> dict[str, Any]:
    sv, s = self.services, self.services.settings
    return delivery.dispatch_tick(
        sv.store,
        sv.clock.now(),
        lambda rid, token: deliver.apply_async((rid, token)),  # no ETA, ever
        batch=s.dispatch_batch,
        lease_seconds=sv.clock.virtual_seconds(s.claim_lease),  # a real-seconds setting
        lock_seconds=s.dispatch_lock,  # a Redis expiry: real seconds already
        max_unstarted=s.max_unstarted_claims,
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


@app.task(bind=True, name="reminders.purge_expired", ignore_result=True)
def purge_expired(self: ReminderTask) -> dict[str, Any]:
    sv = self.services
    purged = retention.purge(sv.store, sv.clock.now(), sv.settings.retention_days)
    return {"purged": len(purged)}
