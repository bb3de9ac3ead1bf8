"""The whole timeline of one patient, rendered, without Redis: for staff checking a schedule and
translators checking their words in context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from reminders.i18n import render
from reminders.i18n.facts import facts_for
from reminders.model import (
    Appointment,
    Location,
    Medication,
    Patient,
    PlannedReminder,
    Procedure,
    validate,
)
from reminders.schedule import Schedule, plan


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
