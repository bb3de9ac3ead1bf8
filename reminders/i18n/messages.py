"""Every message the service sends, as SMS and as email, written from the clinic's patient
information. The service relays the doctor's medication instructions; it never invents one.

Each ``t.fmt(context, msgid, ...)`` / ``t.nfmt(context, singular, plural, n, ...)`` call is one
catalog entry; the comment above it is the translator's note (where it appears, its budget, what
each placeholder holds, with an example).

Values go into the text through ``Env`` (``e.clinic``, ``e.phone``, ...), which wraps them in
bidi isolates where the language and channel need it (see ``bidi.py``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import MappingProxyType

from reminders.i18n.bidi import NO_ISOLATION, Isolator
from reminders.i18n.format import LocalFormat
from reminders.i18n.segments import segments, sms_text
from reminders.i18n.translator import Translator
from reminders.model import Medication

# From the clinic's information: no driving for 24 hours after the injection, and leg numbness
# from the local anaesthetic usually resolves within 24 hours.
NO_DRIVING_HOURS = 24
NUMBNESS_HOURS = 24
# The SMS budget a message is written for when the caller gives none (the schedule's default).
DEFAULT_SMS_SEGMENTS = 3
# A medication SMS names the clinic, the medicine, the restart day and the phone, says "change
# no other medicine", and carries the doctor's note verbatim. The API accepts notes of up to 160
# characters, and such a note must reach the patient whole by SMS in every language: with long
# names that takes up to 7 UCS-2 segments in Spanish, Polish, Turkish, Portuguese or Arabic, and
# 9 in French once one character of the note is outside GSM-7. These messages are written for 9
# segments (the schedule's rules say 9; Twilio's limit is 10); a message is only as long as it
# needs to be.
MEDICATION_SMS_SEGMENTS = 9
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
    def restart_on_procedure_day(self) -> bool:
        """The doctor's restart day is the day of the injection: "after your injection"."""
        resume = self.med.resume_on
        return resume is not None and resume == self.facts.start.astimezone(self.f.zone).date()

    def day(self, at: datetime | date) -> str:
        """Weekday and date in the patient's zone (a plain date is taken as it is)."""
        return self.iso.auto(self.f.day(at))

    def time(self, at: datetime) -> str:
        return self.iso.auto(self.f.time(at))


@dataclass(frozen=True)
class MessageDef:
    """``sms_segments`` is the budget the SMS wording is written for. The schedule's rule has
    its own budget; ``reminders i18n check`` warns when a rule's is smaller than this one."""

    key: str
    sms: Callable[[Env], str]
    email: Callable[[Env], Email]
    needs_medicine: bool = False
    sms_segments: int = DEFAULT_SMS_SEGMENTS


def _when(e: Env, at: datetime) -> dict[str, str]:
    return {"date": e.day(at), "time": e.time(at)}


def _day_time(e: Env, at: datetime) -> str:
    # TRANSLATORS: SMS and email, a day followed by a time, used inside sentences; at most 30
    # characters. {date}: weekday and date, e.g. "Sat, Mar 27"; {time}: e.g. "10:00 AM".
    return e.t.fmt("common", "{date}, {time}", **_when(e, at))


def _sign(e: Env) -> str:
    # TRANSLATORS: Email, closing line of every email; at most 60 characters. {clinic}: clinic
    # name, e.g. "Riverside Radiology"; {phone}: clinic phone, e.g. "+49 30 1234567".
    return e.t.fmt("common.email", "{clinic} · Phone {phone}", clinic=e.clinic, phone=e.phone)


def _greeting(e: Env) -> str:
    # TRANSLATORS: Email, first line of every email; at most 60 characters. {name}: the
    # patient's full name, e.g. "Maria Rossi". Use the polite form of address.
    return e.t.fmt("common.email", "Dear {name},", name=e.name)


def _no_self_change(e: Env) -> str:
    if e.facts.paused_aspirin:
        # TRANSLATORS: Email, the safety paragraph when the doctor paused an aspirin-type
        # medicine; at most 300 characters. Same as the paragraph below, but the last sentence
        # points to the doctor's instruction instead of saying aspirin is usually not stopped.
        return e.t.fmt(
            "common.email",
            "Do not stop any medicine or change its dose unless the radiology clinic and your "
            "own doctor have told you to. Blood thinners protect you against stroke and heart "
            "attack. For aspirin, follow your doctor's instruction.",
        )
    # TRANSLATORS: Email, safety paragraph of every medication email and of the new-date email;
    # at most 300 characters. Keep the meaning exact: the patient must not stop or change any
    # medicine on their own; blood thinners prevent stroke and heart attack; aspirin is usually
    # not stopped.
    return e.t.fmt(
        "common.email",
        "Do not stop any medicine or change its dose unless the radiology clinic and your own "
        "doctor have told you to. Blood thinners protect you against stroke and heart attack. "
        "Aspirin is usually not stopped.",
    )


def _no_driving_email(e: Env) -> str:
    # TRANSLATORS: Email, booking confirmation, escort and day-before emails; at most 300
    # characters. {n}: hours without driving, always 24 in practice (the plural form for 24 is
    # the one patients see).
    return e.t.nfmt(
        "common.email",
        "After the injection you must not drive or take part in road traffic for {n} hour, "
        "because the local anaesthetic can slow your reactions. Please arrange for someone to "
        "take you home.",
        "After the injection you must not drive or take part in road traffic for {n} hours, "
        "because the local anaesthetic can slow your reactions. Please arrange for someone to "
        "take you home.",
        NO_DRIVING_HOURS,
    )


# --- medication: the doctor's note, the restart day --------------------------------------------


def _medication_sms(e: Env, *lead: str, restart: bool = True) -> str:
    """A medication SMS: what the doctor said, when it may be restarted, the doctor's note
    (``_with_note``), then the safety line and the phone."""
    body = " ".join((*lead, _restart_sms(e)) if restart else lead)
    return _with_note(e, body, _medication_sms_tail(e))


def _with_note(e: Env, before: str, after: str = "") -> str:
    """``before`` + the doctor's note verbatim + ``after`` when the whole SMS fits its segment
    budget; otherwise where to read the note instead. A note is never shortened."""

    def joined(middle: str) -> str:
        return " ".join(part for part in (before, middle, after) if part)

    if not e.med.note.strip():
        return joined("")
    # TRANSLATORS: SMS, in the medication SMS when the doctor wrote a note; at most 20
    # characters besides the note. {note}: the doctor's note exactly as written, e.g. "Take
    # half a tablet on Monday".
    full = joined(e.t.fmt("medication.sms", "Doctor's note: {note}", note=e.note))
    if segments(sms_text(full)) <= e.sms_segments:
        return full
    return joined(_note_pointer(e))


def _note_pointer(e: Env) -> str:
    """Where to read a note too long for this SMS: never an email the patient does not get."""
    if e.facts.has_email:
        # TRANSLATORS: SMS, in the medication SMS instead of the doctor's note when the note is
        # too long for the SMS; at most 70 characters. "us" is the radiology clinic.
        return e.t.fmt("medication.sms", "Your doctor left a note: see our email or call us.")
    # TRANSLATORS: SMS, the same for a patient who gets no email from us; at most 60
    # characters. "us" is the radiology clinic.
    return e.t.fmt("medication.sms", "Your doctor left a note: please call us.")


def _medication_sms_tail(e: Env) -> str:
    # TRANSLATORS: SMS, last sentence of every medication SMS. {phone}: clinic phone. "us" is
    # the radiology clinic. At most 90 characters besides the phone.
    return e.t.fmt(
        "medication.sms",
        "Change no other medicine without us and your doctor. Questions: {phone}",
        phone=e.phone,
    )


def _restart_sms(e: Env) -> str:
    """When the medicine may be taken again, in every medication SMS: a pause with no restart
    day must never read as a permanent stop."""
    if e.med.resume_on is None:
        # TRANSLATORS: SMS, medication SMS when the doctor gave no restart day; at most 60
        # characters. "it" is the paused medicine.
        return e.t.fmt("medication.sms", "Your doctor will tell you when to restart it.")
    if e.restart_on_procedure_day:
        # TRANSLATORS: SMS, medication SMS when the restart day is the day of the injection;
        # at most 70 characters besides the date. {resume_date}: e.g. "Sun, Mar 28". It must
        # be clear that the medicine is restarted only after the injection.
        return e.t.fmt(
            "medication.sms",
            "You may restart it on {resume_date}, after your injection.",
            resume_date=e.day(e.med.resume_on),
        )
    # TRANSLATORS: SMS, medication SMS: the restart day the doctor entered; at most 50
    # characters besides the date. {resume_date}: e.g. "Mon, Mar 29".
    return e.t.fmt(
        "medication.sms",
        "You may restart it on {resume_date}.",
        resume_date=e.day(e.med.resume_on),
    )


def _doctor_note_email(e: Env) -> list[str]:
    if not e.med.note.strip():
        return []
    # TRANSLATORS: Email, medication emails, only when the doctor wrote a note; at most 30
    # characters besides the note. {note}: the doctor's note exactly as written, e.g. "Take
    # half a tablet on Monday".
    return [e.t.fmt("medication.email", "Your doctor's note: {note}", note=e.note)]


def _resume_line(e: Env) -> list[str]:
    if e.med.resume_on is None:
        # TRANSLATORS: Email, medication emails, when the doctor gave no restart day; at most
        # 150 characters. {medicine}: as the doctor entered it, e.g. "Apixaban 5 mg".
        return [
            e.t.fmt(
                "medication.email",
                "Your doctor will tell you when you may take {medicine} again.",
                medicine=e.medicine,
            )
        ]
    if e.restart_on_procedure_day:
        # TRANSLATORS: Email, medication emails, when the restart day is the day of the
        # injection; at most 170 characters. {medicine}: e.g. "Apixaban 5 mg"; {resume_date}:
        # e.g. "Sun, Mar 28". It must be clear that it is restarted only after the injection.
        return [
            e.t.fmt(
                "medication.email",
                "Your doctor said you may restart {medicine} on {resume_date}, after your "
                "injection.",
                medicine=e.medicine,
                resume_date=e.day(e.med.resume_on),
            )
        ]
    # TRANSLATORS: Email, medication emails; at most 150 characters. {medicine}: e.g.
    # "Apixaban 5 mg"; {resume_date}: the day the doctor said it may be restarted, e.g. "Mon,
    # Mar 29".
    return [
        e.t.fmt(
            "medication.email",
            "Your doctor said you may restart {medicine} on {resume_date}.",
            medicine=e.medicine,
            resume_date=e.day(e.med.resume_on),
        )
    ]


# --- booking confirmation -----------------------------------------------------------------


def booking_confirmation_sms(e: Env) -> str:
    # TRANSLATORS: SMS sent when the appointment is booked; the whole SMS must fit 4 segments
    # (about 260 characters for non-Latin scripts or accented letters). It is the one SMS every
    # patient gets, so it carries the clinic's blood-thinner warning: keep its meaning exact
    # (do not stop them unless both the clinic and the patient's own doctor say so). {clinic}:
    # clinic name, e.g. "Riverside Radiology"; {date}: weekday and date, e.g. "Fri, Mar 26";
    # {time}: e.g. "9:00 AM"; {n}: hours without driving, always 24 in practice; {phone}:
    # clinic phone, e.g. "+49 30 1234567". "we" is the radiology clinic.
    return e.t.nfmt(
        "booking_confirmation.sms",
        "{clinic}: your injection is booked for {date} at {time}. No driving for {n} hour "
        "afterwards: please arrange an escort home. On blood thinners? Do not stop them unless "
        "we and your doctor tell you to. Questions: {phone}",
        "{clinic}: your injection is booked for {date} at {time}. No driving for {n} hours "
        "afterwards: please arrange an escort home. On blood thinners? Do not stop them unless "
        "we and your doctor tell you to. Questions: {phone}",
        NO_DRIVING_HOURS,
        clinic=e.clinic,
        phone=e.phone,
        **_when(e, e.facts.start),
    )


def booking_confirmation_email(e: Env) -> Email:
    f = e.facts
    return Email(
        # TRANSLATORS: Email subject, booking confirmation, at most 60 characters.
        # {date}: weekday and date, e.g. "Fri, Mar 26".
        subject=e.t.fmt(
            "booking_confirmation.email", "Your appointment on {date}", date=e.day(f.start)
        ),
        paragraphs=[
            _greeting(e),
            # TRANSLATORS: Email, booking confirmation; at most 250 characters. {date}: e.g.
            # "Fri, Mar 26"; {time}: e.g. "9:00 AM"; {place}: clinic site, e.g. "Riverside
            # Radiology"; {address}: street address, e.g. "Hauptstraße 1, 10115 Berlin".
            e.t.fmt(
                "booking_confirmation.email",
                "Your CT-guided epidural injection is booked for {date} at {time} at {place}, "
                "{address}.",
                place=e.place,
                address=e.address,
                **_when(e, f.start),
            ),
            _no_driving_email(e),
            # TRANSLATORS: Email, booking confirmation: allergies; at most 200 characters.
            e.t.fmt(
                "booking_confirmation.email",
                "If you are allergic to local anaesthetics or to contrast media, please tell us "
                "before your appointment.",
            ),
            _no_self_change(e),
            _sign(e),
        ],
    )


# --- medication: heads-up, pause day, resume day --------------------------------------------


def medication_heads_up_sms(e: Env) -> str:
    # TRANSLATORS: SMS the day before the doctor's pause day for one medicine: its first
    # sentence (the restart day, the doctor's note and "Change no other medicine..." follow);
    # the whole SMS must fit 5 segments, so keep it short. {clinic}: clinic name; {medicine}: as
    # the doctor entered it, e.g. "Apixaban 5 mg"; {pause_date}: first day without it, e.g.
    # "Thu, Mar 25". "Last day" means the last day of the usual doses, not one last dose.
    lead = e.t.fmt(
        "medication_heads_up.sms",
        "{clinic}: as your doctor instructed, today is your last day of {medicine}; do not take "
        "it from {pause_date}.",
        clinic=e.clinic,
        medicine=e.medicine,
        pause_date=e.day(e.med.pause_from) if e.med.pause_from else "",
    )
    return _medication_sms(e, lead)


def medication_heads_up_email(e: Env) -> Email:
    return Email(
        # TRANSLATORS: Email subject, day before a medicine is paused, at most 60 characters
        # besides the medicine. {medicine}: as the doctor entered it, e.g. "Apixaban 5 mg".
        subject=e.t.fmt(
            "medication_heads_up.email", "Tomorrow: pause {medicine}", medicine=e.medicine
        ),
        paragraphs=[
            _greeting(e),
            # TRANSLATORS: Email, day before a medicine is paused; at most 250 characters.
            # {medicine}: e.g. "Apixaban 5 mg"; {pause_date}: first day without it, e.g. "Thu,
            # Mar 25".
            e.t.fmt(
                "medication_heads_up.email",
                "As your doctor instructed for your injection, today is the last day you take "
                "{medicine}. Do not take it from {pause_date}.",
                medicine=e.medicine,
                pause_date=e.day(e.med.pause_from) if e.med.pause_from else "",
            ),
            *_resume_line(e),
            *_doctor_note_email(e),
            _no_self_change(e),
            _sign(e),
        ],
    )


def medication_pause_sms(e: Env) -> str:
    # TRANSLATORS: SMS on the day the doctor said to pause one medicine: its first sentence (the
    # restart day, the doctor's note and "Change no other medicine..." follow); the whole SMS
    # must fit 5 segments, so keep it short. {clinic}: clinic name; {medicine}: e.g. "Apixaban
    # 5 mg".
    lead = e.t.fmt(
        "medication_pause.sms",
        "{clinic}: as your doctor instructed, do not take {medicine} from today.",
        clinic=e.clinic,
        medicine=e.medicine,
    )
    return _medication_sms(e, lead)


def medication_pause_email(e: Env) -> Email:
    return Email(
        # TRANSLATORS: Email subject, the day a medicine is paused, at most 60 characters
        # besides the medicine. {medicine}: e.g. "Apixaban 5 mg".
        subject=e.t.fmt("medication_pause.email", "Today: pause {medicine}", medicine=e.medicine),
        paragraphs=[
            _greeting(e),
            # TRANSLATORS: Email, the day a medicine is paused; at most 200 characters.
            # {medicine}: e.g. "Apixaban 5 mg".
            e.t.fmt(
                "medication_pause.email",
                "As your doctor instructed for your injection, do not take {medicine} from today.",
                medicine=e.medicine,
            ),
            *_resume_line(e),
            *_doctor_note_email(e),
            _no_self_change(e),
            _sign(e),
        ],
    )


def medication_resume_sms(e: Env) -> str:
    if e.restart_on_procedure_day:
        # TRANSLATORS: SMS sent after the injection when the doctor's restart day is the day of
        # the injection; with the doctor's note it must fit 5 segments. {clinic}: clinic name;
        # {medicine}: e.g. "Apixaban 5 mg"; {phone}: clinic phone.
        text = e.t.fmt(
            "medication_resume.sms",
            "{clinic}: your doctor said you may restart {medicine} today, after your injection. "
            "Unsure about the dose? Ask your doctor or call {phone}",
            clinic=e.clinic,
            medicine=e.medicine,
            phone=e.phone,
        )
    else:
        # TRANSLATORS: SMS on the day the doctor said a paused medicine may be restarted; with
        # the doctor's note it must fit 5 segments. {clinic}: clinic name; {medicine}: e.g.
        # "Apixaban 5 mg"; {phone}: clinic phone.
        text = e.t.fmt(
            "medication_resume.sms",
            "{clinic}: your doctor said you may restart {medicine} from today. Unsure about the "
            "dose? Ask your doctor or call {phone}",
            clinic=e.clinic,
            medicine=e.medicine,
            phone=e.phone,
        )
    return _with_note(e, text)


def medication_resume_email(e: Env) -> Email:
    if e.restart_on_procedure_day:
        # TRANSLATORS: Email, sent after the injection when the restart day is the day of the
        # injection; at most 200 characters. {medicine}: e.g. "Apixaban 5 mg".
        said = e.t.fmt(
            "medication_resume.email",
            "Your doctor said you may restart {medicine} today, after your injection.",
            medicine=e.medicine,
        )
    else:
        # TRANSLATORS: Email, restart day; at most 200 characters. {medicine}: e.g.
        # "Apixaban 5 mg". Say only what the doctor said: nothing about the dose.
        said = e.t.fmt(
            "medication_resume.email",
            "Your doctor said you may restart {medicine} from today.",
            medicine=e.medicine,
        )
    return Email(
        # TRANSLATORS: Email subject, the day a paused medicine may be restarted, at most 60
        # characters besides the medicine. {medicine}: e.g. "Apixaban 5 mg".
        subject=e.t.fmt(
            "medication_resume.email", "You may restart {medicine} today", medicine=e.medicine
        ),
        paragraphs=[
            _greeting(e),
            said,
            *_doctor_note_email(e),
            # TRANSLATORS: Email, restart day: what to do when unsure; at most 150 characters.
            e.t.fmt(
                "medication_resume.email",
                "If you are unsure about the dose, ask your own doctor or call us.",
            ),
            _no_self_change(e),
            _sign(e),
        ],
    )


# --- escort, day before, after, next day -----------------------------------------------------


def escort_sms(e: Env) -> str:
    # TRANSLATORS: SMS a few days before; together with the request to reply that follows it
    # on its own line, the whole SMS must fit 3 segments (about 200 characters for non-Latin
    # scripts or accented letters). {clinic}: clinic name; {date}: e.g. "Fri, Mar 26"; {time}:
    # e.g. "9:00 AM"; {n}: hours without driving, always 24 in practice; {phone}: clinic phone.
    text = e.t.nfmt(
        "escort.sms",
        "{clinic}: your injection is on {date} at {time}. Please arrange for someone to take you "
        "home: no driving for {n} hour afterwards. Questions: {phone}",
        "{clinic}: your injection is on {date} at {time}. Please arrange for someone to take you "
        "home: no driving for {n} hours afterwards. Questions: {phone}",
        NO_DRIVING_HOURS,
        clinic=e.clinic,
        phone=e.phone,
        **_when(e, e.facts.start),
    )
    # TRANSLATORS: SMS, last line of the escort SMS: the patient answers by SMS once someone
    # will take them home, and the clinic records it. At most 45 characters; the escort SMS
    # with it must fit 3 segments. Keep "1". For YES write the word for "yes" the service
    # recognises in your language, in capitals where your script has them: de JA, es SÍ,
    # fr OUI, it SI, pl TAK, pt SIM, tr EVET, ar نعم, zh 是. Ask a developer before using
    # any other word: a word the service does not know is not recorded as the answer.
    return text + "\n" + e.t.fmt("escort.sms", "Reply 1 or YES once someone can take you home.")


def escort_email(e: Env) -> Email:
    f = e.facts
    return Email(
        # TRANSLATORS: Email subject, escort reminder, at most 60 characters.
        subject=e.t.fmt("escort.email", "Please arrange a ride home"),
        paragraphs=[
            _greeting(e),
            # TRANSLATORS: Email, escort reminder; at most 200 characters. {date}: e.g. "Fri,
            # Mar 26"; {time}: e.g. "9:00 AM"; {place}: clinic site, e.g. "Riverside Radiology".
            e.t.fmt(
                "escort.email",
                "Your injection is on {date} at {time} at {place}.",
                place=e.place,
                **_when(e, f.start),
            ),
            _no_driving_email(e),
            _sign(e),
        ],
    )


def day_before_sms(e: Env) -> str:
    # TRANSLATORS: SMS the day before; the whole SMS must fit 3 segments (about 200 characters
    # for non-Latin scripts or accented letters). {clinic}: clinic name; {time}: e.g. "9:00 AM";
    # {phone}: clinic phone. "us" is the radiology clinic.
    return e.t.fmt(
        "day_before.sms",
        "{clinic}: your injection is tomorrow at {time}. Please bring an escort home. Allergic "
        "to local anaesthetics or contrast media? Tell us first: {phone}",
        clinic=e.clinic,
        phone=e.phone,
        time=e.time(e.facts.start),
    )


def day_before_email(e: Env) -> Email:
    f = e.facts
    return Email(
        # TRANSLATORS: Email subject, day before, at most 60 characters. {time}: e.g. "9:00 AM".
        subject=e.t.fmt(
            "day_before.email", "Tomorrow at {time}: your injection", time=e.time(f.start)
        ),
        paragraphs=[
            _greeting(e),
            # TRANSLATORS: Email, day before; at most 250 characters. {date}: e.g. "Fri, Mar
            # 26"; {time}: e.g. "9:00 AM"; {place}: clinic site, e.g. "Riverside Radiology";
            # {address}: street address, e.g. "Hauptstraße 1, 10115 Berlin".
            e.t.fmt(
                "day_before.email",
                "Your injection is tomorrow, {date}, at {time} at {place}, {address}.",
                place=e.place,
                address=e.address,
                **_when(e, f.start),
            ),
            _no_driving_email(e),
            # TRANSLATORS: Email, day before: allergies; at most 200 characters. {phone}: clinic
            # phone, e.g. "+49 30 1234567".
            e.t.fmt(
                "day_before.email",
                "If you are allergic to local anaesthetics or to contrast media, tell the "
                "team before the injection. Call us on {phone}.",
                phone=e.phone,
            ),
            _sign(e),
        ],
    )


def after_procedure_sms(e: Env) -> str:
    f = e.facts
    # TRANSLATORS: SMS right after the injection; the whole SMS must fit 3 segments (about 200
    # characters for non-Latin scripts or accented letters). {clinic}: clinic name; {until}:
    # day and time 24 h after the end, e.g. "Sat, Mar 27, 10:00 AM"; {n}: hours, always 24 in
    # practice; {phone}: clinic phone.
    return e.t.nfmt(
        "after_procedure.sms",
        "{clinic}: do not drive or cycle until {until}. Leg numbness or weakness usually goes "
        "within {n} hour. Questions: {phone}",
        "{clinic}: do not drive or cycle until {until}. Leg numbness or weakness usually goes "
        "within {n} hours. Questions: {phone}",
        NUMBNESS_HOURS,
        clinic=e.clinic,
        phone=e.phone,
        until=_day_time(e, f.drive_until),
    )


def after_procedure_email(e: Env) -> Email:
    f = e.facts
    return Email(
        # TRANSLATORS: Email subject, right after the injection, at most 60 characters.
        subject=e.t.fmt("after_procedure.email", "After your injection: please do not drive"),
        paragraphs=[
            _greeting(e),
            # TRANSLATORS: Email, right after; at most 200 characters. {until}: day and time 24
            # hours after the end, e.g. "Sat, Mar 27, 10:00 AM".
            e.t.fmt(
                "after_procedure.email",
                "Do not drive or take part in road traffic until {until}. The local "
                "anaesthetic can slow your reactions.",
                until=_day_time(e, f.drive_until),
            ),
            # TRANSLATORS: Email, right after: expected leg numbness; at most 250 characters.
            # {n}: hours, always 24 in practice.
            e.t.nfmt(
                "after_procedure.email",
                "Temporary numbness and weakness in the leg can occur. It comes from the local "
                "anaesthetic and usually goes away completely within {n} hour.",
                "Temporary numbness and weakness in the leg can occur. It comes from the local "
                "anaesthetic and usually goes away completely within {n} hours.",
                NUMBNESS_HOURS,
            ),
            *_numbness_call(e),
            _sign(e),
        ],
    )


def _numbness_call(e: Env) -> list[str]:
    if "numbness_call" not in e.optional:
        return []
    f = e.facts
    # TRANSLATORS: OPTIONAL, sent only when the clinic switches it on in its schedule after
    # approving it (it is not in the clinic's patient information). Email, right after: when to
    # call; at most 200 characters. {until}: e.g. "Sat, Mar 27, 10:00 AM"; {phone}: clinic phone.
    return [
        e.t.fmt(
            "after_procedure.email",
            "If the numbness or weakness has not gone by {until}, call us on {phone}.",
            until=_day_time(e, f.end + timedelta(hours=NUMBNESS_HOURS)),
            phone=e.phone,
        )
    ]


def next_day_sms(e: Env) -> str:
    # TRANSLATORS: SMS the day after, first sentence; the whole SMS must fit 3 segments (about
    # 200 characters for non-Latin scripts or accented letters), so it names only some effects
    # ("e.g."); the email lists them all. {clinic}: clinic name.
    parts = [
        e.t.fmt(
            "next_day.sms",
            "{clinic}: the cortisone may cause e.g. calf cramps, higher blood sugar or blood "
            "pressure, acne or bruising.",
            clinic=e.clinic,
        )
    ]
    if "urgent_help" in e.optional:
        # TRANSLATORS: OPTIONAL, sent only when the clinic switches it on in its schedule after
        # approving it (it is not in the clinic's patient information). SMS the day after; at
        # most 60 characters.
        parts.append(
            e.t.fmt("next_day.sms", "Rash, swelling or trouble breathing: get urgent help.")
        )
    # TRANSLATORS: SMS the day after, last words. {phone}: clinic phone.
    parts.append(e.t.fmt("next_day.sms", "Questions: {phone}", phone=e.phone))
    return " ".join(parts)


def next_day_email(e: Env) -> Email:
    return Email(
        # TRANSLATORS: Email subject, day after the injection, at most 60 characters.
        subject=e.t.fmt("next_day.email", "After your injection: what to watch for"),
        paragraphs=[
            _greeting(e),
            # TRANSLATORS: Email, day after: the cortisone side effects from the clinic's
            # information; at most 300 characters. Keep every item.
            e.t.fmt(
                "next_day.email",
                "The cortisone in your injection can cause: calf cramps, slight weight gain, "
                "a slight rise in blood sugar or blood pressure, acne, bruising more easily, "
                "and changes to menstrual periods.",
            ),
            # TRANSLATORS: Email, day after: general side effects are rare; at most 200
            # characters.
            e.t.fmt(
                "next_day.email",
                "Because the amount of cortisone is small and local, general cortisone side "
                "effects are expected only in exceptional cases.",
            ),
            # TRANSLATORS: Email, day after: allergic reactions, as the clinic's information says;
            # at most 150 characters.
            e.t.fmt(
                "next_day.email",
                "Local anaesthetics and contrast media can cause allergic reactions.",
            ),
            *(
                # TRANSLATORS: OPTIONAL, sent only when the clinic switches it on in its
                # schedule after approving it (not in the clinic's patient information). Email,
                # day after; at most 150 characters.
                [
                    e.t.fmt(
                        "next_day.email",
                        "If you have a rash, swelling or difficulty breathing, get urgent "
                        "medical help.",
                    )
                ]
                if "urgent_help" in e.optional
                else []
            ),
            # TRANSLATORS: Email, day after: contact; at most 150 characters. {phone}: clinic
            # phone, e.g. "+49 30 1234567".
            e.t.fmt(
                "next_day.email",
                "For any other question or concern, call us on {phone}.",
                phone=e.phone,
            ),
            _sign(e),
        ],
    )


# --- notices sent by staff actions ----------------------------------------------------------


def cancellation_sms(e: Env) -> str:
    # TRANSLATORS: SMS when the clinic cancels; the whole SMS must fit 4 segments (about 260
    # characters for non-Latin scripts or accented letters). It must say that the medicine
    # instructions for this appointment (a pause, a restart day) no longer apply. {clinic}:
    # clinic name; {date}: e.g. "Fri, Mar 26"; {time}: e.g. "9:00 AM"; {phone}: clinic phone.
    return e.t.fmt(
        "cancellation.sms",
        "{clinic}: your injection on {date} at {time} is cancelled. Our medicine instructions "
        "for it no longer apply: ask us or your doctor before restarting or changing any "
        "medicine. Questions: {phone}",
        clinic=e.clinic,
        phone=e.phone,
        **_when(e, e.facts.start),
    )


def cancellation_email(e: Env) -> Email:
    f = e.facts
    return Email(
        # TRANSLATORS: Email subject, cancellation, at most 60 characters. {date}: e.g. "Fri,
        # Mar 26".
        subject=e.t.fmt(
            "cancellation.email", "Cancelled: your appointment on {date}", date=e.day(f.start)
        ),
        paragraphs=[
            _greeting(e),
            # TRANSLATORS: Email, cancellation; at most 150 characters. {date}: e.g. "Fri, Mar
            # 26"; {time}: e.g. "9:00 AM".
            e.t.fmt(
                "cancellation.email",
                "Your injection on {date} at {time} has been cancelled.",
                **_when(e, f.start),
            ),
            # TRANSLATORS: Email, cancellation: medicines; at most 300 characters. {phone}:
            # clinic phone, e.g. "+49 30 1234567".
            e.t.fmt(
                "cancellation.email",
                "The medicine instructions we sent you for this appointment no longer apply. "
                "If you paused a medicine for it, ask us or your own doctor before restarting "
                "or changing it. Call us on {phone} to book a new appointment.",
                phone=e.phone,
            ),
            _sign(e),
        ],
    )


def reschedule_sms(e: Env) -> str:
    # TRANSLATORS: SMS when the appointment moves; the whole SMS must fit 4 segments (about 260
    # characters for non-Latin scripts or accented letters). It must say that the earlier
    # medicine dates no longer apply and that new ones follow. {clinic}: clinic name; {date}:
    # new date, e.g. "Fri, Mar 26"; {time}: new time, e.g. "9:00 AM"; {phone}: clinic phone.
    return e.t.fmt(
        "reschedule.sms",
        "{clinic}: your injection has moved to {date} at {time}. The earlier medicine dates no "
        "longer apply; new ones will follow. Change no medicine without us and your doctor. "
        "Questions: {phone}",
        clinic=e.clinic,
        phone=e.phone,
        **_when(e, e.facts.start),
    )


def reschedule_email(e: Env) -> Email:
    f = e.facts
    return Email(
        # TRANSLATORS: Email subject, appointment moved, at most 60 characters. {date}: the new
        # date, e.g. "Fri, Mar 26".
        subject=e.t.fmt("reschedule.email", "New date: {date}", date=e.day(f.start)),
        paragraphs=[
            _greeting(e),
            # TRANSLATORS: Email, appointment moved; at most 250 characters. {date}, {time}: the
            # new date and time, e.g. "Fri, Mar 26", "9:00 AM"; {place}: clinic site, e.g.
            # "Riverside Radiology"; {address}: street address, e.g. "Hauptstraße 1, Berlin".
            e.t.fmt(
                "reschedule.email",
                "Your injection has moved to {date} at {time} at {place}, {address}.",
                place=e.place,
                address=e.address,
                **_when(e, f.start),
            ),
            # TRANSLATORS: Email, appointment moved: earlier instructions; at most 250
            # characters.
            e.t.fmt(
                "reschedule.email",
                "Earlier messages about dates no longer apply. We will send new reminders, "
                "including any medication instructions from your doctor for the new date.",
            ),
            _no_self_change(e),
            _sign(e),
        ],
    )


# --- correction: the doctor changed a medicine's instructions after we had relayed them ------


def medication_correction_sms(e: Env) -> str:
    # TRANSLATORS: SMS, first sentence of a correction sent when the doctor changed a
    # medicine's instructions after the patient had received them; the whole SMS must fit 5
    # segments. {clinic}: clinic name; {medicine}: e.g. "Apixaban 5 mg".
    lead = e.t.fmt(
        "medication_correction.sms",
        "{clinic}: your doctor changed the instructions for {medicine}; this replaces our "
        "earlier message.",
        clinic=e.clinic,
        medicine=e.medicine,
    )
    if e.med.pause_from is not None:
        # TRANSLATORS: SMS, correction: the new pause day. {pause_date}: first day without the
        # medicine, e.g. "Thu, Mar 25". At most 50 characters besides the date.
        pause = e.t.fmt(
            "medication_correction.sms",
            "Do not take it from {pause_date}.",
            pause_date=e.day(e.med.pause_from),
        )
        return _medication_sms(e, lead, pause)
    # TRANSLATORS: SMS, correction: the doctor no longer asks for a pause. At most 50
    # characters.
    no_pause = e.t.fmt("medication_correction.sms", "You no longer need to pause it.")
    return _medication_sms(e, lead, no_pause, restart=e.med.resume_on is not None)


def medication_correction_email(e: Env) -> Email:
    lines = [
        # TRANSLATORS: Email, correction of a medicine's instructions; at most 200 characters.
        # {medicine}: e.g. "Apixaban 5 mg".
        e.t.fmt(
            "medication_correction.email",
            "Your doctor has changed the instructions for {medicine}. They replace what we sent "
            "you earlier.",
            medicine=e.medicine,
        )
    ]
    if e.med.pause_from is not None:
        # TRANSLATORS: Email, correction: the new pause day; at most 150 characters.
        # {medicine}: e.g. "Apixaban 5 mg"; {pause_date}: e.g. "Thu, Mar 25".
        lines.append(
            e.t.fmt(
                "medication_correction.email",
                "Do not take {medicine} from {pause_date}.",
                medicine=e.medicine,
                pause_date=e.day(e.med.pause_from),
            )
        )
    else:
        # TRANSLATORS: Email, correction: no pause any more; at most 150 characters.
        # {medicine}: e.g. "Apixaban 5 mg".
        lines.append(
            e.t.fmt(
                "medication_correction.email",
                "Your doctor no longer asks you to pause {medicine}.",
                medicine=e.medicine,
            )
        )
    return Email(
        # TRANSLATORS: Email subject, correction of a medicine's instructions, at most 60
        # characters besides the medicine. {medicine}: e.g. "Apixaban 5 mg".
        subject=e.t.fmt(
            "medication_correction.email", "Correction: {medicine}", medicine=e.medicine
        ),
        paragraphs=[
            _greeting(e),
            *lines,
            *_resume_line(e),  # also "your doctor will tell you when" without a restart day
            *_doctor_note_email(e),
            _no_self_change(e),
            _sign(e),
        ],
    )


MESSAGES: dict[str, MessageDef] = {
    m.key: m
    for m in (
        MessageDef(
            "booking_confirmation",
            booking_confirmation_sms,
            booking_confirmation_email,
            sms_segments=BOOKING_SMS_SEGMENTS,
        ),
        MessageDef(
            "medication_heads_up",
            medication_heads_up_sms,
            medication_heads_up_email,
            needs_medicine=True,
            sms_segments=MEDICATION_SMS_SEGMENTS,
        ),
        MessageDef(
            "medication_pause",
            medication_pause_sms,
            medication_pause_email,
            needs_medicine=True,
            sms_segments=MEDICATION_SMS_SEGMENTS,
        ),
        MessageDef(
            "medication_resume",
            medication_resume_sms,
            medication_resume_email,
            needs_medicine=True,
            sms_segments=MEDICATION_SMS_SEGMENTS,
        ),
        MessageDef("escort", escort_sms, escort_email),
        MessageDef("day_before", day_before_sms, day_before_email),
        MessageDef("after_procedure", after_procedure_sms, after_procedure_email),
        MessageDef("next_day", next_day_sms, next_day_email),
        MessageDef(
            "cancellation", cancellation_sms, cancellation_email, sms_segments=NOTICE_SMS_SEGMENTS
        ),
        MessageDef(
            "reschedule", reschedule_sms, reschedule_email, sms_segments=NOTICE_SMS_SEGMENTS
        ),
        MessageDef(
            "medication_correction",
            medication_correction_sms,
            medication_correction_email,
            needs_medicine=True,
            sms_segments=MEDICATION_SMS_SEGMENTS,
        ),
    )
}
# The optional sentences each message has: not in the clinic's patient information, so off by
# default; a clinic that has approved one switches it on with the rule's ``optional`` list.
OPTIONAL: dict[str, frozenset[str]] = {
    "next_day": frozenset({"urgent_help"}),
    "after_procedure": frozenset({"numbness_call"}),
}
# Every message key, with its optional sentences: what a schedule's rule may name.
MESSAGE_KEYS: Mapping[str, frozenset[str]] = MappingProxyType(
    {key: OPTIONAL.get(key, frozenset()) for key in MESSAGES}
)
