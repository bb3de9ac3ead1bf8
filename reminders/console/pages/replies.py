"""Page 4: patients' replies kept for staff (linked to their appointments), opt-outs, and the
numbers SMS is not tried for, with a recorded action to clear a number marked by mistake."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError as SchemaError

from reminders.api.staff import ClearUnusableIn
from reminders.console import web
from reminders.console.auth import Session
from reminders.console.forms import FORM, problems
from reminders.wiring import Services

router = APIRouter(prefix="/replies")
LIMIT = 200


@router.get("")
def replies(
    request: Request,
    done: str = "",
    session: Session = web.SIGNED_IN,
    sv: Services = web.SERVICES,
) -> Response:
    return _page(request, sv, session, done=done)


@router.post("/unusable/clear")
def clear_unusable(
    request: Request,
    form: dict[str, str] = FORM,
    session: Session = web.SIGNED_IN,
    sv: Services = web.SERVICES,
) -> Response:
    web.check_csrf(session, form.get("csrf_token", ""))
    phone = form.get("phone", "")
    field = f"reason-{phone}"
    try:
        body = ClearUnusableIn.model_validate({"phone": phone, "reason": form.get("reason", "")})
    except SchemaError as exc:
        return _page(request, sv, session, errors=problems(exc, lambda f: field), status=422)
    who = f"console {session.account.name}"
    entry = sv.store.contacts.clear_unusable(body.phone, sv.clock.now(), who, body.reason)
    if entry is None:
        why = web.translator(request, session).gettext("That number is not marked unusable.")
        return _page(request, sv, session, errors={field: why}, status=404)
    ids = sv.store.contacts.appointments_for_phone(body.phone)
    web.audit(sv, session, "unusable_cleared", ids, detail=f"{body.phone}: {body.reason}")
    return RedirectResponse("/console/replies?done=cleared", status_code=303)


def _page(
    request: Request,
    sv: Services,
    session: Session,
    *,
    done: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    c = sv.store.contacts
    inbox = c.inbox(LIMIT)
    opted_out = sorted(
        ({"phone": p, **e} for p, e in c.opted_out_numbers().items()),
        key=lambda e: str(e.get("at", "")),
        reverse=True,
    )
    unusable: list[dict[str, Any]] = sorted(
        (
            {"phone": p, **e, "appointments": c.appointments_for_phone(p)}
            for p, e in c.unusable_numbers().items()
        ),
        key=lambda e: str(e.get("at", "")),
        reverse=True,
    )
    ids = {a for m in inbox for a in m.get("appointments", [])}
    ids |= {a for e in unusable for a in e["appointments"]}
    web.audit(sv, session, "view_replies", ids)
    return web.render(
        request,
        "replies.html",
        session=session,
        status=status,
        inbox=inbox,
        opted_out=opted_out,
        fingerprints=c.opt_outs_kept_as_fingerprints(),
        log=c.opt_out_log(LIMIT),
        unusable=unusable,
        errors=errors or {},
        done=done,
        zone=web.clinic_zone(sv),
    )
