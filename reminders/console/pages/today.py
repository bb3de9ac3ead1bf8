"""Page 1: today and the days after it, in the clinic's zone, and the search by external id,
name or phone."""

from __future__ import annotations

from datetime import date, timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from reminders.console import web
from reminders.console.auth import Session
from reminders.staff import agenda
from reminders.wiring import Services

router = APIRouter()
DAYS = 7


@router.get("/")
def today(
    request: Request,
    day: str = "",
    q: str = "",
    session: Session = web.SIGNED_IN,
    sv: Services = web.SERVICES,
) -> Response:
    zone = web.clinic_zone(sv)
    local_today = sv.clock.now().astimezone(zone).date()
    try:
        first = date.fromisoformat(day) if day else local_today
    except ValueError:
        first = local_today
    query = q.strip()[:100]
    if query:
        found = agenda.search(sv.store, query)
        web.audit(sv, session, "search", [r.external_id for r in found], detail=query)
        return web.render(request, "search.html", session=session, q=query, rows=found, zone=zone)
    days = agenda.by_day(sv.store, zone, first, DAYS)
    web.audit(sv, session, "view_days", [r.external_id for _, rows in days for r in rows])
    return web.render(
        request,
        "today.html",
        session=session,
        q="",
        days=days,
        zone=zone,
        today=local_today,
        first=first,
        earlier=(first - timedelta(days=DAYS)).isoformat(),
        later=(first + timedelta(days=DAYS)).isoformat(),
    )
