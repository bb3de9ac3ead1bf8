"""The whole timeline of one patient, rendered, without Redis: for staff checking a schedule and
translators checking their words in context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from reminders.i18n import render
from reminders.i18n.facts import facts_for
from reminders.i18n.locales import normalize
from reminders.model import (
    Appointment,
    Location,
    Medication,
    Patient,
    PlannedReminder,
    Procedure,
    ValidationError,
    validate,
)
from reminders.schedule import Schedule, plan
from reminders.settings import Settings

# The console's sample patient for a schedule: a procedure a week after booking at 13:00 in the
# clinic's zone, and an anticoagulant paused two days before it and restarted the day after.
SAMPLE_DAYS_AHEAD = 7
SAMPLE_AT = time(13, 0)
SAMPLE_DURATION = 45
SAMPLE_MEDICINE = "Apixaban 5 mg"


@dataclass(frozen=True)
class PreviewItem:
    reminder: PlannedReminder
    locale: str
    body: str
    subject: str | None
    fallbacks: tuple[str, ...]
    zone: ZoneInfo

    def as_json(self) -> dict[str, Any]:
        r = self.reminder
        out: dict[str, Any] = {
            "rule": r.rule,
            "message": r.message,
            "channel": r.channel,
            "medicine": r.medicine,
            "state": str(r.state),
            "locale": self.locale,
            "due_at": r.due_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "due_local": r.due_at.astimezone(self.zone).isoformat(),
            "deadline": r.deadline.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "body": self.body,
        }
        if self.subject is not None:
            out["subject"] = self.subject
        if r.reason:
            out["reason"] = r.reason
        if self.fallbacks:
            out["fallback"] = list(self.fallbacks)
        return out


def parse_medication(spec: str) -> Medication:
    """``Name:PAUSE_FROM:RESUME_ON[:note]`` with dates as YYYY-MM-DD; either date may be empty."""
    parts = spec.split(":", 3)
    if len(parts) < 3 or not parts[0].strip():
        raise ValueError(f"--medication {spec!r}: expected NAME:PAUSE_FROM:RESUME_ON[:NOTE]")
    try:
        pause = date.fromisoformat(parts[1]) if parts[1] else None
        resume = date.fromisoformat(parts[2]) if parts[2] else None
    except ValueError as exc:
        raise ValueError(f"--medication {spec!r}: {exc}") from None
    return Medication(parts[0].strip(), pause, resume, parts[3] if len(parts) > 3 else "")


def parse_reduction(spec: str) -> Medication:
    """``Name:FROM:UNTIL:DOSE[:note]``: a dose reduction from FROM to UNTIL (YYYY-MM-DD; UNTIL
    may be empty: the doctor will say); DOSE as the doctor writes it."""
    parts = spec.split(":", 4)
    if len(parts) < 4 or not parts[0].strip() or not parts[3].strip():
        raise ValueError(f"--reduce {spec!r}: expected NAME:FROM:UNTIL:DOSE[:NOTE]")
    try:
        start = date.fromisoformat(parts[1])
        until = date.fromisoformat(parts[2]) if parts[2] else None
    except ValueError as exc:
        raise ValueError(f"--reduce {spec!r}: {exc}") from None
    return Medication(
        parts[0].strip(),
        note=parts[4] if len(parts) > 4 else "",
        reduced_dose=parts[3].strip(),
        reduce_from=start,
        reduce_until=until,
    )


def sample_appointment(
    *,
    procedure_at: datetime,
    tz: str,
    locale: str,
    duration: int,
    procedure: str,
    medications: list[Medication],
    channels: tuple[str, ...],
    location: Location,
    booked_at: datetime,
    discreet_sms: bool = False,
) -> Appointment:
    zone = ZoneInfo(tz)
    start = procedure_at.replace(tzinfo=zone) if procedure_at.tzinfo is None else procedure_at
    return validate(
        Appointment(
            external_id="PREVIEW",
            patient=Patient(
                name="Alex Example",
                timezone=tz,
                locale=locale,
                phone="+15550100100",
                email="alex@example.org",
                channels=channels,
                discreet_sms=discreet_sms,
            ),
            procedure=Procedure(
                type=procedure,
                start=start.astimezone(UTC),
                duration_minutes=duration,
                location=location,
            ),
            medications=tuple(medications),
            booked_at=booked_at,
        )
    )


def preview(
    appointment: Appointment,
    schedule: Schedule,
    now: datetime,
    locales_dir: Path,
    clinic_default: str = "en",
) -> list[PreviewItem]:
    zone = appointment.patient.zone
    items = []
    for r in plan(appointment, schedule, now):
        out = render(
            r.message,
            r.channel,
            appointment.patient.locale,
            facts_for(appointment, r.medicine),
            zone,
            locales_dir,
            clinic_default,
            schedule.rule(r.rule).sms_segments,
            frozenset(schedule.rule(r.rule).optional),
        )
        items.append(PreviewItem(r, out.locale, out.text, out.subject, out.fallbacks, zone))
    return items


@dataclass(frozen=True)
class TimelineLine:
    """One message of the sample timeline: when (in the clinic's zone), on which channel, for
    which rule, and its text in the language used (``locale``, after any fallback)."""

    local_time: datetime
    channel: str
    rule: str
    text: str
    subject: str | None
    locale: str
    state: str  # scheduled, or skipped/flagged (``reason`` says why)
    reason: str
    medicine: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "local_time": self.local_time.isoformat(),
            "channel": self.channel,
            "rule": self.rule,
            "text": self.text,
            "subject": self.subject,
            "locale": self.locale,
            "state": self.state,
            "reason": self.reason,
            "medicine": self.medicine,
        }


@dataclass(frozen=True)
class SampleTimeline:
    """The sample patient (for drawing the time axis: booking, procedure, the medicine's pause
    and restart) and every message the schedule would send them."""

    appointment: Appointment
    lines: tuple[TimelineLine, ...]

    def as_json(self) -> dict[str, Any]:
        a = self.appointment
        zone = a.patient.zone
        med = a.medications[0]
        return {
            "timezone": a.patient.timezone,
            "locale": a.patient.locale,
            "booked_at": a.booked_at.astimezone(zone).isoformat(),
            "procedure_start": a.procedure.start.astimezone(zone).isoformat(),
            "procedure_end": a.procedure.end.astimezone(zone).isoformat(),
            "medication": {
                "name": med.name,
                "pause_from": med.pause_from.isoformat() if med.pause_from else None,
                "resume_on": med.resume_on.isoformat() if med.resume_on else None,
            },
            "lines": [line.as_json() for line in self.lines],
        }


def sample_timeline(
    schedule: Schedule, locale: str, now: datetime, settings: Settings
) -> SampleTimeline:
    """A sample patient's whole timeline under ``schedule`` (saved or not: a candidate from
    ``schedule.edit``), in ``locale``, booked at ``now``. Raises ValidationError("locale")
    for a tag that is no locale."""
    if normalize(locale) is None:
        raise ValidationError("locale", "is not a language tag we know")
    clinic = settings.clinic
    zone = ZoneInfo(clinic.timezone)
    day = now.astimezone(zone).date() + timedelta(days=SAMPLE_DAYS_AHEAD)
    appt = sample_appointment(
        procedure_at=datetime.combine(day, SAMPLE_AT),
        tz=clinic.timezone,
        locale=locale,
        duration=SAMPLE_DURATION,
        procedure=schedule.procedure,
        medications=[
            Medication(
                SAMPLE_MEDICINE,
                pause_from=day - timedelta(days=2),
                resume_on=day + timedelta(days=1),
            )
        ],
        channels=("sms", "email"),
        location=Location(clinic.name, clinic.address, clinic.phone),
        booked_at=now.astimezone(UTC),
    )
    items = preview(appt, schedule, now, settings.locales_dir, clinic.default_locale)
    lines = tuple(
        TimelineLine(
            local_time=i.reminder.due_at.astimezone(zone),
            channel=i.reminder.channel,
            rule=i.reminder.rule,
            text=i.body,
            subject=i.subject,
            locale=i.locale,
            state=str(i.reminder.state),
            reason=i.reminder.reason,
            medicine=i.reminder.medicine,
        )
        for i in items
    )
    return SampleTimeline(appt, lines)


def as_text(items: list[PreviewItem]) -> str:
    lines = []
    for item in items:
        r = item.reminder
        local = r.due_at.astimezone(item.zone)
        med = f" #{r.medicine + 1}" if r.medicine is not None else ""
        state = "" if r.state == "scheduled" else f"  [{r.state}: {r.reason}]"
        lines.append(
            f"{local:%a %Y-%m-%d %H:%M %Z}  {r.rule}{med}  {r.channel} ({item.locale}){state}"
        )
        if item.subject:
            lines.append(f"    Subject: {item.subject}")
        lines.extend("    " + ln if ln else "" for ln in item.body.splitlines())
        lines.append("")
    return "\n".join(lines)
