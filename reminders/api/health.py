"""Liveness for load balancers and monitoring, and metrics in the Prometheus text format
(collected in api/metrics.py)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from pydantic import BaseModel, Field

from reminders.api.deps import SERVICES
from reminders.api.metrics import CONTENT_TYPE_LATEST, exposition
from reminders.wiring import Services

router = APIRouter(tags=["operations"])
STALE_AFTER_INTERVALS = 3
# A channel failing this many sends in a row, with no success between, fails every send.
FAILING_AFTER = 5


class ChannelHealth(BaseModel):
    configured: bool
    last_success: str | None
    last_failure: str | None
    consecutive_failures: int
    last_error: str | None


class Health(BaseModel):
    """What /health answers, healthy (200) or not (503). When Redis does not answer, only
    ``status``, ``redis`` and ``schedules``."""

    status: Literal["ok", "unhealthy"]
    redis: str = Field(description="ok, or unreachable: and the error's kind")
    schedules: dict[str, dict[str, Any]] = Field(description="procedure: file, origin, SHA-256")
    dispatcher_last_run: str | None = None
    dispatcher_age_seconds: float | None = None
    channels: dict[str, ChannelHealth] = {}
    problem: str = Field("", description="why unhealthy (only then)")


@router.get(
    "/health",
    response_model=None,
    responses={
        200: {"model": Health, "description": "healthy"},
        503: {"model": Health, "description": "unhealthy: Redis, the dispatcher or a channel"},
    },
)
def health(sv: Services = SERVICES) -> JSONResponse:
    """Unhealthy (503) when Redis does not answer, the dispatcher has not run for three
    intervals (a stopped beat must not fail silently), or a channel fails every send. Each
    configured channel is reported: its last success and failure, and failures since; and each
    schedule in use: its file and the SHA-256 of what was loaded."""
    s, store, now = sv.settings, sv.store, sv.clock.now()
    body: dict[str, object] = {"redis": "ok"}
    try:
        store.ops.ping()
        last = store.ops.last_dispatch_run()
    except Exception as exc:  # any failure to reach Redis means unhealthy
        return JSONResponse(
            {
                "status": "unhealthy",
                "redis": f"unreachable: {type(exc).__name__}",
                "schedules": sv.schedules.describe(),
            },
            status_code=503,
        )
    # In real seconds, as the dispatch interval is (under a demo's warp clock a tick every
    # interval is many virtual minutes apart).
    age = sv.clock.real_seconds((now - last).total_seconds()) if last else None
    body["dispatcher_last_run"] = last.isoformat() if last else None
    body["dispatcher_age_seconds"] = round(age, 1) if age is not None else None
    problems = []
    if age is None or age > STALE_AFTER_INTERVALS * s.dispatch_interval:
        problems.append(
            "the dispatcher (celery beat) has never run"
            if last is None
            else "the dispatcher (celery beat) has stopped running"
        )
    channels: dict[str, object] = {}
    for name in sv.channels:
        seen = store.ops.channel_health(name)
        channels[name] = {
            "configured": True,
            "last_success": seen.last_success.isoformat() if seen.last_success else None,
            "last_failure": seen.last_failure.isoformat() if seen.last_failure else None,
            "consecutive_failures": seen.consecutive_failures,
            "last_error": seen.last_error or None,
        }
        if seen.consecutive_failures >= FAILING_AFTER:
            problems.append(
                f"channel {name} failed its last {seen.consecutive_failures} sends "
                f"({seen.last_error})"
            )
    body["channels"] = channels
    # What the process loaded at start: procedure -> file, origin, SHA-256 (compare with
    # `sha256sum` of the file on disk, or with another process's /health).
    body["schedules"] = sv.schedules.describe()
    body["status"] = "unhealthy" if problems else "ok"
    if problems:
        body["problem"] = "; ".join(problems)
    return JSONResponse(body, status_code=503 if problems else 200)


@router.get(
    "/metrics",
    response_class=PlainTextResponse,
    responses={200: {"description": "the Prometheus text format (README, Operate it)"}},
)
def metrics(sv: Services = SERVICES) -> Response:
    """Counters by channel, rule, outcome and language, the lateness and send duration
    histograms, and the backlog, attention, dispatcher and channel gauges (api/metrics.py).
    Open like /health: it names no patient."""
    return Response(exposition(sv), media_type=CONTENT_TYPE_LATEST)
