"""Each reminder's text as the patient got it (or will get it), and its English rendering
beside it for staff who do not read the patient's language.

The store keeps the language a reminder was sent in (``locale``), not the text: the text is
rendered again from the appointment in that language, the same function and rule settings
the worker used. Where the development outbox kept the very text it was given, that copy is
shown instead. A reminder of an earlier version is rendered from the appointment as it is now
(the page says so)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reminders.i18n import render
from reminders.i18n.facts import facts_for
from reminders.i18n.render import Rendered, RenderError
from reminders.store import ReminderRecord, Snapshot
from reminders.wiring import Services

ENGLISH = "en"


@dataclass(frozen=True)
class Shown:
    locale: str
    subject: str | None
    text: str
    copy: bool  # the outbox's copy of what was sent, not a rendering
    current_facts: bool  # rendered from the appointment's current version
    english: Rendered | None


def outbox_copies(sv: Services) -> dict[str, dict[str, Any]]:
    """reminder id -> what the outbox channel recorded (development and demo only)."""
    if "outbox" not in sv.settings.channels:
        return {}
    return {str(m.get("reminder")): m for m in sv.store.outbox.messages()}


def shown(
    sv: Services, snap: Snapshot, rec: ReminderRecord, copies: dict[str, Any]
) -> Shown | None:
    appt = snap.appointment
    locale = rec.locale or appt.patient.locale
    copy = copies.get(rec.id)
    if copy is not None:
        subject, text, locale = copy.get("subject"), str(copy.get("text", "")), str(copy["locale"])
    else:
        out = _render(sv, snap, rec, locale)
        if out is None:
            return None
        subject, text, locale = out.subject, out.text, out.locale
    english = None if locale.split("_")[0] == ENGLISH else _render(sv, snap, rec, ENGLISH)
    return Shown(locale, subject, text, copy is not None, rec.version != snap.version, english)


def _render(sv: Services, snap: Snapshot, rec: ReminderRecord, tag: str) -> Rendered | None:
    appt = snap.appointment
    config = sv.delivery
    rule = rec.rule  # as the worker looks it up (a re-sent one has the message's own budget)
    try:
        return render(
            rec.message,
            rec.channel,
            tag,
            facts_for(appt, rec.medicine),
            appt.patient.zone,
            config.locales_dir,
            config.clinic_default_locale,
            config.sms_budget(appt.procedure.type, rule),
            config.optional(appt.procedure.type, rule),
        )
    except (RenderError, KeyError, IndexError):
        return None
