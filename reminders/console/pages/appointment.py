"""Page 2: one appointment. Its timeline (every reminder with its local time, channel,
language, state, reason and delivery events; its text as the patient got it, with the English
beside it), and the changes staff make: reschedule, edit the medication instructions, cancel
with or without a notice, re-send a failed safety reminder by another channel. Each change goes
through the API's own functions (``api.changes``, ``staff.resend``) with the API's request
schema, so a change the API would refuse is refused here, beside the field, and nothing is
stored."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import ValidationError as SchemaError

from reminders.api import changes
from reminders.api.schemas import AppointmentPatch, CancelIn, MedicationIn
from reminders.console import messages, web
from reminders.console.auth import Session
from reminders.console.forms import FORM, parts, problems
from reminders.model import AppointmentStatus, ValidationError
from reminders.staff import resend as resending
from reminders.store import Snapshot, VersionConflict
from reminders.wiring import Services

router = APIRouter(prefix="/appointments")
MED_FIELDS = (
    "name",
    "pause_from",
    "resume_on",
    "reduced_dose",
    "reduce_from",
    "reduce_until",
    "note",
)
# Left empty, these are absent (null), not empty text: the API's schema refuses "" for them.
_NULL_WHEN_EMPTY = frozenset(MED_FIELDS) - {"name", "note"}


@router.get("/{external_id}")
def appointment(
    request: Request,
    external_id: str,
    done: str = "",
    session: Session = web.SIGNED_IN,
    sv: Services = web.SERVICES,
) -> Response:
    snap = _snapshot(request, sv, session, external_id)
    web.audit(sv, session, "view_appointment", [external_id])
    return _page(request, sv, session, snap, done=done)


@router.post("/{external_id}/reschedule")
def reschedule(
    request: Request,
    external_id: str,
    form: dict[str, str] = FORM,
    session: Session = web.SIGNED_IN,
    sv: Services = web.SERVICES,
) -> Response:
    web.check_csrf(session, form.get("csrf_token", ""))
    snap = _snapshot(request, sv, session, external_id)
    raw = form.get("start", "").strip()
    try:
        local = datetime.fromisoformat(raw)
    except ValueError:
        why = web.translator(request, session).gettext("Enter a date and a time.")
        return _refused(request, sv, session, snap, {"start": why}, form)
    start = local.replace(tzinfo=snap.appointment.patient.zone) if local.tzinfo is None else local
    patch = {"procedure": {"start": start.isoformat()}}
    return _edit(request, sv, session, snap, patch, form, lambda f: "start", "rescheduled")


@router.post("/{external_id}/medications")
def medications(
    request: Request,
    external_id: str,
    form: dict[str, str] = FORM,
    session: Session = web.SIGNED_IN,
    sv: Services = web.SERVICES,
) -> Response:
    web.check_csrf(session, form.get("csrf_token", ""))
    snap = _snapshot(request, sv, session, external_id)
    stored = snap.appointment.to_dict().get("medications", [])
    meds: list[dict[str, Any]] = []
    rows: list[int] = []  # the form row of each medicine sent
    for i in range(len(stored) + 1):
        if form.get(f"med-{i}-remove"):
            continue
        name = form.get(f"med-{i}-name", "").strip()
        if i >= len(stored) and not name:
            continue  # the empty row for a new medicine
        # What this form does not show stays as it was.
        kept = {k: v for k, v in (stored[i] if i < len(stored) else {}).items()}
        med = {k: v for k, v in kept.items() if k in MedicationIn.model_fields}
        for field in MED_FIELDS:
            value = form.get(f"med-{i}-{field}", "").strip()
            med[field] = value or (None if field in _NULL_WHEN_EMPTY else "")
        meds.append(med)
        rows.append(i)

    def field_of(api_field: str) -> str:
        p = parts(api_field)
        if len(p) >= 2 and isinstance(p[1], int) and p[1] < len(rows):
            return f"med-{rows[p[1]]}-{p[2] if len(p) > 2 else 'name'}"
        return "medications"

    patch = {"medications": meds}
    return _edit(request, sv, session, snap, patch, form, field_of, "medications")


@router.post("/{external_id}/sms-privacy")
def sms_privacy(
    request: Request,
    external_id: str,
    form: dict[str, str] = FORM,
    session: Session = web.SIGNED_IN,
    sv: Services = web.SERVICES,
) -> Response:
    """The patient's choice of discreet SMS (no procedure, medicine or condition named)."""
    web.check_csrf(session, form.get("csrf_token", ""))
    snap = _snapshot(request, sv, session, external_id)
    patch = {"patient": {"discreet_sms": form.get("discreet_sms") == "yes"}}
    return _edit(request, sv, session, snap, patch, form, lambda f: "discreet_sms", "sms_privacy")


@router.post("/{external_id}/cancel")
def cancel(
    request: Request,
    external_id: str,
    form: dict[str, str] = FORM,
    session: Session = web.SIGNED_IN,
    sv: Services = web.SERVICES,
) -> Response:
    web.check_csrf(session, form.get("csrf_token", ""))
    snap = _snapshot(request, sv, session, external_id)
    try:
        body = CancelIn.model_validate(
            {"reason": form.get("reason", ""), "notify": form.get("notify") == "yes"}
        )
    except SchemaError as exc:
        return _refused(request, sv, session, snap, problems(exc, lambda f: "reason"), form)
    changes.cancel(sv, external_id, body.reason, notify=body.notify)
    what = "with notice" if body.notify else "without notice"
    web.audit(sv, session, "cancel", [external_id], detail=f"{what}: {body.reason}")
    return _back(external_id, "cancelled")


@router.post("/{external_id}/resend")
def resend(
    request: Request,
    external_id: str,
    form: dict[str, str] = FORM,
    session: Session = web.SIGNED_IN,
    sv: Services = web.SERVICES,
) -> Response:
    web.check_csrf(session, form.get("csrf_token", ""))
    snap = _snapshot(request, sv, session, external_id)
    reminder, channel = form.get("reminder", ""), form.get("channel", "")
    try:
        planned = resending.resend(
            sv.store,
            external_id,
            reminder,
            channel,
            sv.clock.now(),
            session.account.name,
            sv.delivery.is_safety,
        )
    except (resending.CannotResend, VersionConflict) as exc:
        return _refused(request, sv, session, snap, {f"resend-{reminder}": str(exc)}, form)
    web.audit(sv, session, "resend", [external_id], detail=f"{reminder} by {channel}")
    # The failed one is taken care of: its attention item says by whom.
    sv.store.attention.mark_handled(
        f"{next(r.state for r in snap.reminders if r.id == reminder)}:{reminder}",
        sv.clock.now(),
        session.account.name,
        f"re-sent by {channel} ({planned.id})",
    )
    return _back(external_id, "resent")


def _edit(
    request: Request,
    sv: Services,
    session: Session,
    snap: Snapshot,
    patch: dict[str, Any],
    form: dict[str, str],
    field_of: Any,
    done: str,
) -> Response:
    aid = snap.appointment.external_id
    try:
        body = AppointmentPatch.model_validate(patch)
        changes.edit(sv, aid, body.model_dump(mode="json", exclude_unset=True))
    except (SchemaError, ValidationError) as exc:
        return _refused(request, sv, session, snap, problems(exc, field_of), form)
    except changes.AppointmentCancelled:
        why = web.translator(request, session).gettext(
            "The appointment is cancelled; book it again to reinstate it."
        )
        return _refused(request, sv, session, snap, {"general": why}, form)
    web.audit(sv, session, done, [aid], detail=_describe(patch))
    return _back(aid, done)


def _describe(patch: dict[str, Any]) -> str:
    if "procedure" in patch:
        return f"start {patch['procedure']['start']}"
    if "patient" in patch:
        return "discreet SMS " + ("on" if patch["patient"].get("discreet_sms") else "off")
    return "; ".join(
        f"{m['name']}: reduced to {m['reduced_dose']} {m.get('reduce_from') or '-'} to "
        f"{m.get('reduce_until') or '-'}"
        if m.get("reduced_dose")
        else f"{m['name']}: {m.get('pause_from') or '-'} to {m.get('resume_on') or '-'}"
        for m in patch.get("medications", [])
    )


def _back(aid: str, done: str) -> Response:
    return RedirectResponse(f"/console/appointments/{aid}?done={done}", status_code=303)


def _snapshot(request: Request, sv: Services, session: Session, aid: str) -> Snapshot:
    snap = sv.store.appointments.snapshot(aid)
    if snap is None:
        raise web.Refused(404, "no_appointment")
    return snap


def _refused(
    request: Request,
    sv: Services,
    session: Session,
    snap: Snapshot,
    errors: dict[str, str],
    form: dict[str, str],
) -> Response:
    return _page(request, sv, session, snap, errors=errors, values=form, status=422)


def _page(
    request: Request,
    sv: Services,
    session: Session,
    snap: Snapshot,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    done: str = "",
    status: int = 200,
) -> Response:
    appt = snap.appointment
    zone = appt.patient.zone
    copies = messages.outbox_copies(sv)
    events = sv.store.appointments.events(appt.external_id)
    by_reminder: dict[str, list[dict[str, Any]]] = {}
    for e in events:
        if e.get("reminder"):
            by_reminder.setdefault(str(e["reminder"]), []).append(e)
    reminders = [
        {
            "rec": r,
            "shown": messages.shown(sv, snap, r, copies),
            "events": by_reminder.get(r.id, []),
            "resend": resending.channels_for(snap, r, sv.delivery.is_safety),
        }
        for r in snap.reminders
    ]
    start_local = appt.procedure.start.astimezone(zone).strftime("%Y-%m-%dT%H:%M")
    return web.render(
        request,
        "appointment.html",
        session=session,
        status=status,
        snap=snap,
        appt=appt,
        zone=zone,
        reminders=reminders,
        history=[e for e in events if not e.get("reminder")],
        acks=sv.store.contacts.acknowledgements(appt.external_id),
        errors=errors or {},
        values=values or {},
        start_local=start_local,
        medications=list(appt.medications),
        booked=appt.status is AppointmentStatus.BOOKED,
        done=done,
    )
