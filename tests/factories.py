"""Sample appointments, paths and other test data shared by every test folder."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from reminders.api.validation import parse
from reminders.model import Appointment, ReminderState
from reminders.store.record import ReminderRecord


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


# --- where the test data lives ------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
BROKEN_LOCALES = Path(__file__).resolve().parent / "data" / "broken_locales"
SHIPPED = ["ar", "de", "es", "fr", "it", "pl", "pt_BR", "tr", "zh_Hans"]
# The word for "yes" each catalog's escort SMS asks for.
YES_WORDS = {
    "en": "YES",
    "de": "JA",
    "es": "SÍ",
    "fr": "OUI",
    "it": "SI",
    "pl": "TAK",
    "pt_BR": "SIM",
    "tr": "EVET",
    "ar": "نعم",
    "zh_Hans": "是",
}

# --- the HTTP app's API tokens (the ``api`` fixture in conftest.py configures them) -------------

INTEGRATION = "integration-token-0123456789"
STAFF = "staff-token-abcdefghijklmnop"
AS_INTEGRATION = {"Authorization": f"Bearer {INTEGRATION}"}
AS_STAFF = {"Authorization": f"Bearer {STAFF}"}


def sms_record(
    appointment_id: str,
    rule: str,
    state: ReminderState,
    at: datetime,
    *,
    version: int = 1,
    medicine: int | None = None,
    reason: str = "",
) -> ReminderRecord:
    """One SMS reminder's record as the store holds it, due at ``at`` with six hours to go."""
    med = "-" if medicine is None else str(medicine)
    return ReminderRecord(
        id=f"{appointment_id}:{version}:{rule}:{med}:sms",
        appointment_id=appointment_id,
        version=version,
        rule=rule,
        medicine=medicine,
        channel="sms",
        message=rule,
        state=state,
        due_at=at,
        nominal_at=at,
        deadline=at + timedelta(hours=6),
        reason=reason,
    )
