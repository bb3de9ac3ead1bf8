"""What every message is rendered from: the facts of one appointment (``Facts``), the
language and format they are written in (``Env``), and the numbers the clinic's information
gives. Values go into the text through ``Env`` (``e.clinic``, ``e.phone``, ...), which wraps
them in bidi isolates where the language and channel need it (see ``bidi.py``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from reminders.i18n.bidi import NO_ISOLATION, Isolator
from reminders.i18n.format import LocalFormat
from reminders.i18n.translator import Translator
from reminders.model import Medication

# From the clinic's information: no driving for 24 hours after the injection, and leg numbness
# from the local anaesthetic usually resolves within 24 hours.
NO_DRIVING_HOURS = 24
NUMBNESS_HOURS = 24
# The SMS budget a message is written for when the caller gives none (the schedule's default).
DEFAULT_SMS_SEGMENTS = 3
# A medication SMS names the clinic, the medicine, the restart day and the phone, says "change
# no other medicine", and carries the doctor's note verbatim (and a dose reduction's dose). The
# API accepts notes of up to 160 characters and doses of up to 40, and both must reach the
# patient whole by SMS in every language: with long names a pause takes up to 9 UCS-2 segments
# (French once one character of the note is outside GSM-7), and the correction of a dose
# reduction 10 in German and French. These messages are written for 10 segments (the
# schedule's rules say 10, Twilio's recommended maximum); a message is only as long as it needs
# to be.
MEDICATION_SMS_SEGMENTS = 10
# The booking confirmation is the one SMS every patient gets, so it also carries the clinic's
# blood-thinner warning (patients without email would otherwise never read it): 4 segments.
BOOKING_SMS_SEGMENTS = 4
# Cancellation and reschedule notices also say what happens to the medicine instructions.
NOTICE_SMS_SEGMENTS = 4
# The email always carries the doctor's note verbatim (models.NOTE_MAX_CHARS caps it); an SMS
# carries it only when the whole SMS stays within its segment budget, and otherwise asks the
# patient to read the email or call the clinic. The note is never shortened.


@dataclass(frozen=True)
class Facts:
    """What a message may say, before any language is chosen."""

    patient_name: str
    clinic_name: str
    clinic_phone: str
    place: str
    address: str
    start: datetime
    end: datetime
    medicine: Medication | None = None
    previous_start: datetime | None = None
    changes: tuple[str, ...] = field(default_factory=tuple)
    # The doctor paused an aspirin-type medicine for this appointment: "aspirin is usually not
    # stopped" would contradict that instruction, so it is not said.
    paused_aspirin: bool = False
    # The patient gets our emails: only then may an SMS point to one.
    has_email: bool = True
    # The patient chose discreet SMS: no procedure, medicine or condition named (discreet.py).
    discreet: bool = False

    @property
    def drive_until(self) -> datetime:
        return self.end + timedelta(hours=NO_DRIVING_HOURS)


@dataclass(frozen=True)
class Email:
    subject: str
    paragraphs: list[str]


@dataclass(frozen=True)
class Env:
    t: Translator
    f: LocalFormat
    facts: Facts
    iso: Isolator = NO_ISOLATION
    sms_segments: int = DEFAULT_SMS_SEGMENTS
    # The optional, clinic-approved sentences the schedule's rule switches on (OPTIONAL).
    optional: frozenset[str] = frozenset()

    @property
    def med(self) -> Medication:
        if self.facts.medicine is None:
            raise ValueError("this message needs a medicine")
        return self.facts.medicine

    # Values as they go into the text, isolated where the language needs it.
    @property
    def clinic(self) -> str:
        return self.iso.auto(self.facts.clinic_name)

    @property
    def phone(self) -> str:
        return self.iso.ltr(self.facts.clinic_phone)

    @property
    def place(self) -> str:
        return self.iso.auto(self.facts.place)

    @property
    def address(self) -> str:
        return self.iso.auto(self.facts.address)

    @property
    def name(self) -> str:
        return self.iso.auto(self.facts.patient_name)

    @property
    def medicine(self) -> str:
        return self.iso.auto(self.med.name)

    @property
    def note(self) -> str:
        return self.iso.auto(self.med.note.strip())

    @property
    def dose(self) -> str:
        """The reduced dose, as the doctor wrote it."""
        return self.iso.auto(self.med.reduced_dose.strip())

    @property
    def procedure_day(self) -> date:
        return self.facts.start.astimezone(self.f.zone).date()

    @property
    def restart_on_procedure_day(self) -> bool:
        """The usual dose may come back on the day of the injection: "after your injection"."""
        return self.med.usual_again == self.procedure_day

    def day(self, at: datetime | date) -> str:
        """Weekday and date in the patient's zone (a plain date is taken as it is)."""
        return self.iso.auto(self.f.day(at))

    def time(self, at: datetime) -> str:
        return self.iso.auto(self.f.time(at))
