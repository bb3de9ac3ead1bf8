"""Replies patients send by SMS: opt-out and opt-in keywords, HELP, the escort confirmation,
and anything else (kept for staff). A keyword counts only when it is the whole message, as
Twilio matches them; "stop please" goes to staff, who honour it by hand."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from reminders.models import Appointment, AppointmentStatus
from reminders.optout_pending import settle_pending
from reminders.store import Store

# Twilio's standard opt-out words, then the clinic's languages: German, Spanish, French,
# Turkish, Arabic, Chinese, Portuguese. Have new ones reviewed by a native speaker.
TWILIO_STOP = {"stop", "unsubscribe", "end", "quit", "stopall", "revoke", "optout", "cancel"}
STOP = TWILIO_STOP | {"stopp", "alto", "arrêt", "arret", "dur", "توقف", "退订", "parar"}
START = {"start", "unstop"}
HELP = {"help", "info", "hilfe", "ayuda", "aide", "yardım", "مساعدة", "帮助", "ajuda"}
YES = {"1", "yes", "y", "ja", "sí", "si", "oui", "evet", "نعم", "是", "sim"}
ESCORT = "escort"


@dataclass(frozen=True)
class Reply:
    kind: str  # stop | start | help | confirm | other
    text: str | None  # what to answer by SMS, or None for no answer


def keyword(body: str) -> str:
    """The message as a keyword: trimmed, case-folded, Unicode-normalised, trailing dots and
    exclamation marks dropped ("Stop!" is STOP)."""
    return unicodedata.normalize("NFC", body).strip().rstrip(".!。！").strip().casefold()


def classify(body: str) -> str:
    word = keyword(body)
    for kind, words in (("stop", STOP), ("start", START), ("help", HELP), ("confirm", YES)):
        if word in words:
            return kind
    return "other"


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
) -> Reply:
    """Act on one inbound SMS (only the first time it arrives) and say what to answer."""
    kind = classify(body)
    aids = store.appointments_for_phone(phone)
    appts = [a for a in (_appointment(store, aid) for aid in aids) if a is not None]
    booked = [a for a in appts if a.status is AppointmentStatus.BOOKED]
    if booked:
        # The patient's own clinic site, not the service-wide default.
        clinic_name = booked[0].procedure.location.name
        clinic_phone = booked[0].procedure.location.phone
    if kind == "stop":
        if first_time:
            store.opt_out(phone, now, source="inbound", keyword=keyword(body))
            settle_pending(store, booked, now, is_safety)
        # Twilio confirms its standard keywords itself; the others need our confirmation.
        own = keyword(body) not in TWILIO_STOP
        return Reply(kind, stopped_text(clinic_name) if own else None)
    if kind == "start":
        if first_time:
            store.opt_in(phone, now, source="inbound", keyword=keyword(body))
        return Reply(kind, None)  # Twilio confirms START itself
    if kind == "help":
        return Reply(kind, help_text(clinic_name, clinic_phone))
    if kind == "confirm":
        target = _escort_asked(store, booked)
        if target is not None:
            if first_time:
                store.acknowledge(target, ESCORT, now, body.strip())
            return Reply(kind, thanks_text(clinic_name))
    if first_time:
        store.record_reply(phone, body, now, aids)
    return Reply("other", None)


# TODO(i18n): these three answers are English only; they belong in the catalogs (messages.py),
# where the i18n owner can add them with translator notes. Keep them short: one GSM-7 segment.
def help_text(clinic: str, phone: str) -> str:
    return f"{clinic}: appointment reminders. Questions: call {phone}. Reply STOP to stop SMS."


def stopped_text(clinic: str) -> str:
    return f"{clinic}: you will get no more SMS from us. Reply START to get them again."


def thanks_text(clinic: str) -> str:
    return f"{clinic}: thank you, we have noted that someone will take you home."


def _appointment(store: Store, aid: str) -> Appointment | None:
    snap = store.snapshot(aid)
    return snap.appointment if snap is not None else None


def _escort_asked(store: Store, booked: list[Appointment]) -> str | None:
    """The appointment whose escort reminder reached this phone most recently."""
    best: tuple[datetime, str] | None = None
    for appt in booked:
        snap = store.snapshot(appt.external_id)
        for r in snap.reminders if snap is not None else []:
            if r.rule == ESCORT and r.channel == "sms" and str(r.state) == "sent":
                at = r.changed_at or r.due_at
                if best is None or at > best[0]:
                    best = (at, appt.external_id)
    return best[1] if best is not None else None
