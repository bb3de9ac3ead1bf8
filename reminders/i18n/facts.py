"""The facts a message is rendered from, taken from one appointment (and one of its medicines)."""

from __future__ import annotations

from reminders.i18n.messages import Facts
from reminders.model import Appointment


def facts_for(appt: Appointment, medicine: int | None = None) -> Facts:
    loc = appt.procedure.location
    return Facts(
        patient_name=appt.patient.name,
        clinic_name=loc.name,
        clinic_phone=loc.phone,
        place=loc.name,
        address=loc.address,
        start=appt.procedure.start,
        end=appt.procedure.end,
        medicine=appt.medications[medicine] if medicine is not None else None,
    )
