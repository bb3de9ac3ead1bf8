"""Liveness for load balancers and monitoring, and metrics in the Prometheus text format."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse

from reminders.api.deps import SERVICES
from reminders.wiring import Services

router = APIRouter(tags=["operations"])
STALE_AFTER_INTERVALS = 3


@router.get("/health")
def health(sv: Services = SERVICES) -> JSONResponse:
    """Unhealthy (503) when Redis does not answer or the dispatcher has not run for three
    intervals: a stopped beat must not fail silently."""
    s, store, now = sv.settings, sv.store, sv.clock.now()
    body: dict[str, object] = {"redis": "ok"}
    try:
        store.ops.ping()
        last = store.ops.last_dispatch_run()
    except Exception as exc:  # any failure to reach Redis means unhealthy
        return JSONResponse(
            {"status": "unhealthy", "redis": f"unreachable: {type(exc).__name__}"}, status_code=503
        )
    # In real seconds, as the dispatch interval is (under a demo's warp clock a tick every
    # interval is many virtual minutes apart).
    age = sv.clock.real_seconds((now - last).total_seconds()) if last else None
    body["dispatcher_last_run"] = last.isoformat() if last else None
    body["dispatcher_age_seconds"] = round(age, 1) if age is not None else None
    healthy = age is not None and age <= STALE_AFTER_INTERVALS * s.dispatch_interval
    body["status"] = "ok" if healthy else "unhealthy"
    if not healthy:
        body["problem"] = (
            "the dispatcher (celery beat) has never run"
            if last is None
            else "the dispatcher (celery beat) has stopped running"
        )
    return JSONResponse(body, status_code=200 if healthy else 503)


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(sv: Services = SERVICES) -> str:
    store, now = sv.store, sv.clock.now()
    counters = store.ops.counters()
    last = store.ops.last_dispatch_run()
    lines = []
    for name, help_text in (
        ("sent", "messages sent"),
        ("failed", "messages that failed"),
        ("fallbacks", "messages rendered in a fallback language"),
    ):
        lines += [
            f"# HELP reminders_{name}_total {help_text}",
            f"# TYPE reminders_{name}_total counter",
            f"reminders_{name}_total {counters.get(name, 0)}",
        ]
    lines += [
        "# HELP reminders_due_backlog reminders due now and not yet claimed or sent",
        "# TYPE reminders_due_backlog gauge",
        f"reminders_due_backlog {store.reminders.due_count(now)}",
        "# HELP reminders_pending reminders waiting in the due index",
        "# TYPE reminders_pending gauge",
        f"reminders_pending {store.reminders.pending_count()}",
        "# HELP reminders_dispatch_lag_seconds seconds since the dispatcher last ran",
        "# TYPE reminders_dispatch_lag_seconds gauge",
        f"reminders_dispatch_lag_seconds "
        f"{sv.clock.real_seconds((now - last).total_seconds()) if last else float('nan'):.3f}",
    ]
    return "\n".join(lines) + "\n"
