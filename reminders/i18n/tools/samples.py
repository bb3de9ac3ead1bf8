"""Sample values for previews, and the long-but-realistic values every SMS budget is checked
with (a long patient, clinic and medicine name, a doctor's note of realistic length, and the
dates whose names are longest)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from reminders.i18n.messages import Facts
from reminders.model import Medication

ZONE = ZoneInfo("Europe/Berlin")

SAMPLE = Facts(
    patient_name="Maria Rossi",
    clinic_name="Riverside Radiology",
    clinic_phone="+49 30 1234567",
    place="Riverside Radiology",
    address="Hauptstraße 1, 10115 Berlin",
    start=datetime(2027, 3, 26, 8, 0, tzinfo=UTC),
    end=datetime(2027, 3, 26, 8, 45, tzinfo=UTC),
    medicine=Medication(
        "Apixaban 5 mg", date(2027, 3, 24), date(2027, 3, 28), "Take half a tablet on Monday"
    ),
)

LONG_NOTE = "Last dose on Sunday evening. Restart with half a tablet on Thursday."
# A reduced dose as long as the API accepts (40 characters).
LONG_DOSE = "2.5 mg morning and evening, with a meal!"
LONG = Facts(
    patient_name="Maria-Magdalena Wiśniewska-Schneider",
    clinic_name="Radiologisches Zentrum Nordend",
    clinic_phone="+49 30 12345678",
    place="Radiologisches Zentrum Nordend",
    address="Hauptstraße 125, Haus B, 2. OG, 10115 Berlin",
    start=datetime(2027, 9, 29, 10, 30, tzinfo=UTC),
    end=datetime(2027, 9, 29, 11, 15, tzinfo=UTC),
    medicine=Medication(
        "Acetylsalicylsäure 100 mg magensaftresistent",
        date(2027, 9, 22),
        date(2027, 10, 1),
        LONG_NOTE,
    ),
)


def long_variants() -> Iterator[Facts]:
    """LONG on every weekday, in the months with the longest names, at a time after noon
    (so "12:30 PM" where a locale has a 12-hour clock), with and without the doctor's note;
    and each wording a medicine's days choose: a restart on the injection day ("after your
    injection"), no restart day ("your doctor will tell you"), no pause (a correction); a dose
    reduction (with and without an end day); the discreet SMS (with and without email)."""
    for month, day in ((9, 27), (12, 20), (2, 22)):
        for offset in range(7):
            start = datetime(2027, month, day, 11, 30, tzinfo=UTC) + timedelta(days=offset)
            assert LONG.medicine is not None
            local = start.astimezone(ZONE).date()
            med = replace(
                LONG.medicine,
                pause_from=local - timedelta(days=7),
                resume_on=local + timedelta(days=2),
            )
            facts = replace(LONG, start=start, end=start + timedelta(minutes=45), medicine=med)
            yield facts
            yield replace(facts, medicine=replace(med, resume_on=local))
            # A dose reduction with the longest dose the API accepts, ending the day before the
            # injection ("after your injection") or after it.
            reduced = replace(
                med,
                pause_from=None,
                resume_on=None,
                reduced_dose=LONG_DOSE,
                reduce_from=local - timedelta(days=3),
                reduce_until=local + timedelta(days=1),
            )
            yield replace(facts, medicine=reduced)
            yield replace(facts, medicine=replace(reduced, reduce_until=local - timedelta(days=1)))
            # The discreet SMS, with and without an email to point to.
            yield replace(facts, discreet=True)
            yield replace(facts, discreet=True, has_email=False)
            if offset == 0:
                yield replace(facts, medicine=replace(med, note=""))
                yield replace(facts, medicine=replace(med, resume_on=None))
                yield replace(facts, medicine=replace(med, pause_from=None))
                yield replace(facts, medicine=replace(reduced, reduce_until=None))


def preview_text(
    tag: str,
    locales_dir: Path,
    *,
    long: bool = False,
    show_html: bool = False,
    zone: ZoneInfo = ZONE,
    clinic_default: str = "en",
) -> str:
    """Every message, SMS and email, and every SMS answer to a patient's own SMS, as a patient
    with ``tag`` would receive it, with the SMS segment count and any fallback."""
    from reminders.i18n.messages import MESSAGES  # noqa: PLC0415
    from reminders.i18n.render import render  # noqa: PLC0415
    from reminders.i18n.replies import REPLIES, render_reply  # noqa: PLC0415
    from reminders.i18n.segments import count  # noqa: PLC0415

    facts = LONG if long else SAMPLE
    lines: list[str] = []
    for key in MESSAGES:
        sms = render(key, "sms", tag, facts, zone, locales_dir, clinic_default)
        mail = render(key, "email", tag, facts, zone, locales_dir, clinic_default)
        lines.append(f"=== {key}")
        lines.append(f"--- SMS ({sms.locale}, {count(sms.text)})")
        lines.append(sms.text)
        lines.append(f"--- Email ({mail.locale})")
        lines.append(f"Subject: {mail.subject}")
        lines.append(mail.text)
        if show_html and mail.html:
            lines.append("--- HTML")
            lines.append(mail.html.rstrip())
        for fb in dict.fromkeys(sms.fallbacks + mail.fallbacks):
            lines.append(f"!!! fell back: {fb}")
        lines.append("")
    for key in REPLIES:
        answer = render_reply(
            key,
            tag,
            locales_dir,
            clinic_default,
            clinic_name=facts.clinic_name,
            clinic_phone=facts.clinic_phone,
        )
        lines.append(f"=== answer: {key}")
        lines.append(f"--- SMS ({answer.locale}, {count(answer.text)})")
        lines.append(answer.text)
        lines.extend(f"!!! fell back: {fb}" for fb in answer.fallbacks)
        lines.append("")
    return "\n".join(lines)
