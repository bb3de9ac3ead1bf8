"""Act on one SMS a patient sent: opt-out and opt-in, HELP, the escort confirmation, and
anything else (kept for staff); and say what to answer, in the patient's language."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from reminders.delivery.fallback import settle_opted_out
from reminders.i18n import locales
from reminders.i18n.replies import render_reply
from reminders.inbound.keywords import TWILIO_STOP, classify, keyword
from reminders.model import Appointment, AppointmentStatus, ReminderState
from reminders.store import Store

ESCORT = "escort"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Reply:
    kind: str  # stop | start | help | confirm | other
    text: str | None  # what to answer by SMS, or None for no answer


def handle(
    store: Store,
    phone: str,
    body: str,
    now: datetime,
    *,
    clinic_name: str,
    clinic_phone: str,
    is_safety: Callable[[str, str], bool],
    first_time: bool = True,
    locales_dir: Path | None = None,
    default_locale: str = locales.SOURCE_LOCALE,
) -> Reply:
    """Act on one inbound SMS (only the first time it arrives) and say what to answer.

    Answers are in the language of the patient's booked appointment (else of any appointment
    on record for the phone), else in ``default_locale``, the clinic's; ``locales_dir`` holds
    the catalogs (default: the shipped ones)."""
    kind = classify(body)
    aids = store.contacts.appointments_for_phone(phone)
    appts = [a for a in (_appointment(store, aid) for aid in aids) if a is not None]
    booked = [a for a in appts if a.status is AppointmentStatus.BOOKED]
    if booked:
        # The patient's own clinic site, not the service-wide default.
        clinic_name = booked[0].procedure.location.name
        clinic_phone = booked[0].procedure.location.phone
    known = booked or appts
    tag = known[0].patient.locale if known else ""

    def answer(reply: str) -> str:
        out = render_reply(
            reply,
            tag,
            locales.SHIPPED_DIR if locales_dir is None else locales_dir,
            default_locale,
            clinic_name=clinic_name,
            clinic_phone=clinic_phone,
        )
        if out.fell_back and first_time:
            store.totals.fallback("sms", out.locale)
            log.warning("%s answer sent in %s: %s", reply, out.locale, "; ".join(out.fallbacks))
        return out.text

    if kind == "stop":
        if first_time:
            store.contacts.opt_out(phone, now, source="inbound", keyword=keyword(body))
            settle_opted_out(store, booked, now, is_safety)
        # Twilio confirms its standard keywords itself; the others need our confirmation.
        own = keyword(body) not in TWILIO_STOP
        return Reply(kind, answer("stopped") if own else None)
    if kind == "start":
        if first_time:
            store.contacts.opt_in(phone, now, source="inbound", keyword=keyword(body))
        return Reply(kind, None)  # Twilio confirms START itself
    if kind == "help":
        return Reply(kind, answer("help"))
    if kind == "confirm":
        target = _escort_asked(store, booked)
        if target is not None:
            if first_time:
                store.contacts.acknowledge(target, ESCORT, now, body.strip())
            return Reply(kind, answer("thanks"))
    if first_time:
        store.contacts.record_reply(phone, body, now, aids)
    return Reply("other", None)


def _appointment(store: Store, aid: str) -> Appointment | None:
    snap = store.appointments.snapshot(aid)
    return snap.appointment if snap is not None else None


def _escort_asked(store: Store, booked: list[Appointment]) -> str | None:
    """The appointment whose escort reminder reached this phone most recently."""
    best: tuple[datetime, str] | None = None
    for appt in booked:
        snap = store.appointments.snapshot(appt.external_id)
        for r in snap.reminders if snap is not None else []:
            if r.rule == ESCORT and r.channel == "sms" and r.state is ReminderState.SENT:
                at = r.changed_at or r.due_at
                if best is None or at > best[0]:
                    best = (at, appt.external_id)
    return best[1] if best is not None else None
