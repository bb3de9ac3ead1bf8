"""Thin Celery wrappers: they take ids, call one plain function and return a summary.

Task names and arguments are a public API across rolling deploys: change them only by adding.
"""

from __future__ import annotations

from typing import Any

from reminders import dispatch, retention, runtime
from reminders.celery_app import app


@app.task(name="reminders.dispatch_due", ignore_result=True)
def dispatch_due() -> dict[str, Any]:
    s = runtime.settings()
    return dispatch.dispatch_tick(
        runtime.store(),
        runtime.clock().now(),
        lambda rid, token: deliver.apply_async((rid, token)),  # no ETA, ever
        batch=s.dispatch_batch,
        lease_seconds=s.claim_lease,
    )


@app.task(
    name="reminders.deliver",
    ignore_result=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=60,
    time_limit=90,
)
def deliver(reminder_id: str, token: str) -> str:
    return dispatch.deliver(
        runtime.store(),
        reminder_id,
        token,
        runtime.channels(),
        runtime.clock().now,
        runtime.delivery_config(),
    )


@app.task(name="reminders.purge_expired", ignore_result=True)
def purge_expired() -> dict[str, Any]:
    purged = retention.purge(
        runtime.store(), runtime.clock().now(), runtime.settings().retention_days
    )
    return {"purged": len(purged)}
