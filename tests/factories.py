"""Sample appointments for tests."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from reminders.api.validation import parse
from reminders.model import Appointment


def appointment_data(**overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "external_id": "APT-1001",
        "patient": {
            "name": "Maria Rossi",
            "timezone": "Europe/Berlin",
            "locale": "de",
            "phone": "+4915112345678",
            "email": "maria@example.org",
        },
        "procedure": {
            "type": "epidural_steroid_injection",
            "start": "2027-03-28T09:00:00+02:00",
            "duration_minutes": 45,
            "location": {
                "name": "Riverside Radiology",
                "address": "Hauptstraße 1, Berlin",
                "phone": "+49 30 1234567",
            },
        },
        "medications": [
            {"name": "Apixaban", "pause_from": "2027-03-25", "resume_on": "2027-03-29", "note": ""}
        ],
    }
    for key, value in overrides.items():
        section, _, field = key.partition("__")
        if field:
            data[section][field] = value
        else:
            data[key] = value
    return data


def make_appointment(**overrides: Any) -> Appointment:
    return parse(appointment_data(**overrides))


BOOKED_AT = datetime(2027, 3, 15, 10, 0, tzinfo=UTC)
