"""The facts a message is rendered from, taken from one appointment (and one of its medicines)."""

from __future__ import annotations

import re

from reminders.i18n.messages import Facts
from reminders.model import Appointment, Medication

# Aspirin (acetylsalicylic acid) as doctors write it in the shipped languages: when one is
# paused, "aspirin is usually not stopped" would contradict the doctor.
_ASPIRIN = re.compile(
    r"\b(aspirin\w*|aspirina|aspiryna|ass|asa|acetylsalicyl\w*|acetilsalicil\w*|"
    r"acétylsalicyl\w*|acetylosalicyl\w*|asetilsalisil\w*)|阿司匹林|乙酰水杨酸|أسبرين|اسبرين|أسبيرين",
    re.IGNORECASE,
)


def is_aspirin(m: Medication) -> bool:
    return bool(_ASPIRIN.search(m.name.replace("-", " ")))


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
        # A pause or a reduction: either way the doctor gave an instruction for aspirin.
        paused_aspirin=any(m.change_from is not None and is_aspirin(m) for m in appt.medications),
        has_email="email" in appt.patient.reachable_channels(),
        discreet=appt.patient.discreet_sms,
    )
