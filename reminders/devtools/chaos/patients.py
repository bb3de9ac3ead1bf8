"""The appointments a chaos run books, drawn from its seeded random generator: patients in
several zones and languages, most reachable by SMS only, some by email too, procedures spread
over the next two days so that their reminders fall due during the run, some with a blood
thinner paused before and resumed after the procedure (the medication rules).

Also the bookkeeping of what was booked (``Booked``): the latest payload of each appointment,
which the harness edits, and the due times the API answered (the oracle's ``first_due``)."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

PROCEDURE = "epidural_steroid_injection"
ZONES = (
    "Europe/Berlin",
    "America/New_York",
    "America/Mexico_City",
    "Europe/Rome",
    "Asia/Tokyo",
    "Australia/Sydney",
)
LOCALES = ("en", "en", "de", "es", "fr", "it", "pt-BR", "pl", "tr", "ar", "zh-Hans-CN")
# Mobile number patterns: a country prefix and how many random digits follow.
NUMBERS = (("+49151", 8), ("+3361", 7), ("+34612", 6), ("+39312", 7), ("+61412", 6))
MEDICINES = ("Apixaban 5 mg", "Clopidogrel 75 mg", "Rivaroxaban 20 mg", "Warfarin 5 mg")
LOCATION = {"name": "Riverside Radiology", "address": "1 River Road", "phone": "+1 555 0100"}


def booking(rng: random.Random, n: int, now: datetime, numbers: set[str]) -> dict[str, Any]:
    """Appointment number ``n``, booked at ``now``; ``numbers`` holds the phones taken so far."""
    zone = rng.choice(ZONES)
    start = _procedure_start(rng, now, ZoneInfo(zone))
    email = rng.random() < 0.25
    meds = rng.choices((0, 1, 2), weights=(5, 4, 1))[0]
    day = start.date()
    return {
        "external_id": f"CHAOS-{n:04d}",
        "patient": {
            "name": f"Patient {n}",
            "timezone": zone,
            "locale": rng.choice(LOCALES),
            "phone": _phone(rng, numbers),
            "email": f"patient{n}@example.org" if email else None,
            "channels": ["sms", "email"] if email else ["sms"],
        },
        "procedure": {
            "type": PROCEDURE,
            "start": start.isoformat(),
            "duration_minutes": rng.choice((30, 45, 60)),
            "location": dict(LOCATION),
        },
        "medications": [
            {
                "name": name,
                # The pause begins on or a day or two before the procedure day, the restart a
                # day or two after it, so a reschedule by hours keeps both valid.
                "pause_from": (day - timedelta(days=rng.choice((0, 1, 2)))).isoformat(),
                "resume_on": (day + timedelta(days=rng.choice((1, 2)))).isoformat(),
                "note": rng.choice(("", "Take the evening dose as usual.", "Ask your GP.")),
            }
            for name in rng.sample(MEDICINES, meds)
        ],
    }


def _procedure_start(rng: random.Random, now: datetime, zone: ZoneInfo) -> datetime:
    """A clinic hour (08:00-17:45 local) on one of the next days, 3 hours to 2 days away."""
    while True:
        day = now.astimezone(zone).date() + timedelta(days=rng.choice((0, 1, 1, 2, 2)))
        minutes = rng.randrange(8 * 60, 18 * 60, 15)
        start = datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=zone)
        if now + timedelta(hours=3) <= start <= now + timedelta(days=2):
            return start


def _phone(rng: random.Random, taken: set[str]) -> str:
    """A valid mobile number in E.164, unique in the run (a lookup matches by number)."""
    while True:
        prefix, digits = rng.choice(NUMBERS)
        number = prefix + "".join(rng.choice("0123456789") for _ in range(digits))
        if number in taken:
            continue
        parsed = phonenumbers.parse(number, None)
        if phonenumbers.is_valid_number(parsed) and (
            phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164) == number
        ):
            taken.add(number)
            return number


@dataclass
class Booked:
    """What the harness, as the booking system, knows of its appointments."""

    payloads: dict[str, dict[str, Any]] = field(default_factory=dict)
    cancelled: set[str] = field(default_factory=set)
    first_due: dict[str, datetime] = field(default_factory=dict)
    # the reminders of each appointment's latest version, as the last answer listed them
    plan: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    def record(self, payload: dict[str, Any], answer: dict[str, Any]) -> None:
        aid = str(answer["external_id"])
        self.payloads[aid] = payload
        self.plan[aid] = list(answer.get("reminders") or [])
        if answer.get("status") == "cancelled":
            self.cancelled.add(aid)
        for r in self.plan[aid]:
            self.first_due.setdefault(str(r["id"]), _when(r["due_at"]))

    def start(self, aid: str) -> datetime:
        return datetime.fromisoformat(self.payloads[aid]["procedure"]["start"])

    def zone(self, aid: str) -> ZoneInfo:
        return ZoneInfo(self.payloads[aid]["patient"]["timezone"])

    def latest_restart_day(self, aid: str) -> date | None:
        days = [
            date.fromisoformat(m["resume_on"])
            for m in self.payloads[aid]["medications"]
            if m.get("resume_on")
        ]
        return min(days) if days else None

    def due_near(self, aid: str, now: datetime) -> float:
        """Seconds between ``now`` and the appointment's nearest planned reminder."""
        gaps = [abs((_when(r["due_at"]) - now).total_seconds()) for r in self.plan.get(aid, [])]
        return min(gaps, default=float("inf"))


def _when(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
