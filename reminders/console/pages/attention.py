"""Page 3: what needs a person. Safety reminders first, then by how soon the procedure is;
marked handled with a note, showing who handled it and when."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError as SchemaError

from reminders.api.schemas import HandledIn
from reminders.console import web
from reminders.console.auth import Session
from reminders.console.forms import FORM, problems
from reminders.ids import ReminderId
from reminders.staff import attention as attention_list
from reminders.staff.attention import Item
from reminders.store import Snapshot
from reminders.wiring import Services

router = APIRouter(prefix="/attention")


@router.get("")
def attention(
    request: Request,
    done: str = "",
    session: Session = web.SIGNED_IN,
    sv: Services = web.SERVICES,
) -> Response:
    return _page(request, sv, session, done=done)


@router.post("/handled")
def handled(
    request: Request,
    form: dict[str, str] = FORM,
    session: Session = web.SIGNED_IN,
    sv: Services = web.SERVICES,
) -> Response:
    web.check_csrf(session, form.get("csrf_token", ""))
    item_id = form.get("item", "")
    now = sv.clock.now()
    known = {i.id: i for i in attention_list.items(sv.store, now, include_handled=True)}
    if item_id not in known:
        raise web.Refused(404, "no_item")
    try:
        body = HandledIn.model_validate({"note": form.get("note", "")})
    except SchemaError as exc:
        errors = problems(exc, lambda f: f"note-{item_id}")
        return _page(request, sv, session, errors=errors, values=form, status=422)
    attention_list.mark_handled(sv.store, item_id, now, session.account.name, body.note)
    web.audit(sv, session, "attention_handled", [known[item_id].appointment_id], detail=body.note)
    return RedirectResponse(f"/console/attention?done={item_id}", status_code=303)


def _page(
    request: Request,
    sv: Services,
    session: Session,
    *,
    done: str = "",
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    now = sv.clock.now()
    items = attention_list.items(sv.store, now, include_handled=True)
    snaps: dict[str, Snapshot | None] = {}
    for i in items:
        if i.appointment_id not in snaps:
            snaps[i.appointment_id] = sv.store.appointments.snapshot(i.appointment_id)
    rows = [_row(i, snaps[i.appointment_id], sv) for i in items]
    rows.sort(
        key=lambda r: (not r["safety"], r["start"] or datetime.max.replace(tzinfo=now.tzinfo))
    )
    web.audit(sv, session, "view_attention", [i.appointment_id for i in items])
    return web.render(
        request,
        "attention.html",
        session=session,
        status=status,
        open=[r for r in rows if not r["item"].handled],
        handled=[r for r in rows if r["item"].handled],
        errors=errors or {},
        values=values or {},
        done=done,
        zone=web.clinic_zone(sv),
    )


def _row(item: Item, snap: Snapshot | None, sv: Services) -> dict[str, Any]:
    appt = snap.appointment if snap else None
    rule = ReminderId.parse(item.reminder_id).rule if item.reminder_id else "escort"
    safety = appt is not None and sv.delivery.is_safety(appt.procedure.type, rule)
    return {
        "item": item,
        "safety": safety,
        "start": appt.procedure.start if appt else None,
        "name": appt.patient.name if appt else "",
        "since": datetime.fromisoformat(item.since),
        "handled_at": datetime.fromisoformat(item.handled["at"]) if item.handled else None,
    }
