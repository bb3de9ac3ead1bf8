"""Checks on a booking that need more than a schema: real phone numbers, the zone database,
languages we can resolve, and dates that make sense against the clock and the procedure."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import phonenumbers

from reminders.i18n.locales import normalize
from reminders.models import Appointment, ValidationError

MAX_MEDICATION_LEAD = timedelta(days=30)
MAX_RESUME_AFTER = timedelta(days=60)


def appointment(data: dict[str, Any], now: datetime) -> Appointment:
    """Raises ValidationError naming the first bad field; stores nothing."""
    _phone(data.get("patient", {}))
    _locale(data.get("patient", {}))
    appt = Appointment.from_dict(data)
    if appt.procedure.start <= now:
        raise ValidationError("procedure.start", "must be in the future")
    local_day = appt.procedure.start.astimezone(appt.patient.zone).date()
    for i, m in enumerate(appt.medications):
        if m.pause_from and not (local_day - MAX_MEDICATION_LEAD <= m.pause_from <= local_day):
            raise ValidationError(
                f"medications[{i}].pause_from",
                f"must be on or before the procedure day {local_day} and at most 30 days before",
            )
        if m.resume_on and not (local_day <= m.resume_on <= local_day + MAX_RESUME_AFTER):
            raise ValidationError(
                f"medications[{i}].resume_on",
                f"must be on or after the procedure day {local_day} and at most 60 days after",
            )
    return appt


def _phone(patient: dict[str, Any]) -> None:
    phone = patient.get("phone")
    if phone is None:
        return
    try:
        parsed = phonenumbers.parse(phone, None)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            "patient.phone", "is not a phone number in E.164 (+4930...)"
        ) from None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if not phonenumbers.is_valid_number(parsed) or e164 != phone:
        raise ValidationError("patient.phone", "is not a valid number in E.164 form (+4930...)")


def _locale(patient: dict[str, Any]) -> None:
    tag = patient.get("locale", "en")
    if not isinstance(tag, str) or normalize(tag) is None:
        raise ValidationError("patient.locale", f"{tag!r} is not a language tag we know")
