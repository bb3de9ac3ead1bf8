"""The schedules in use, read-only: what ``GET /schedules`` lists. (The schedules editor will
replace this page.)"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from reminders.console import web
from reminders.console.auth import Session
from reminders.wiring import Services

router = APIRouter(prefix="/schedules")


@router.get("")
def schedules(
    request: Request, session: Session = web.SIGNED_IN, sv: Services = web.SERVICES
) -> Response:
    return web.render(
        request, "schedules.html", session=session, entries=list(sv.schedules.entries())
    )
