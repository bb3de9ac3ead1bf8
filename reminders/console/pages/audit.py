"""The console's audit log, for admins only (staff get 403): who viewed or changed which
patient's data, and when, newest first."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import Response

from reminders.console import web
from reminders.console.auth import Session
from reminders.wiring import Services

router = APIRouter(prefix="/audit")
PAGE = 200


@router.get("")
def audit(
    request: Request,
    offset: int = 0,
    session: Session = web.ADMIN,
    sv: Services = web.SERVICES,
) -> Response:
    offset = max(0, offset)
    log = sv.store.console_audit
    entries = [
        {**e, "when": datetime.fromisoformat(str(e["at"]))} for e in log.entries(PAGE, offset)
    ]
    return web.render(
        request,
        "audit.html",
        session=session,
        entries=entries,
        offset=offset,
        older=offset + PAGE if offset + PAGE < log.count() else None,
        newer=max(0, offset - PAGE) if offset else None,
        zone=web.clinic_zone(sv),
    )
