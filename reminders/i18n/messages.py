"""Every message the service sends, as SMS and as email, written from the clinic's patient
information. The service relays the doctor's medication instructions; it never invents one.

Each ``t.fmt(context, msgid, ...)`` call is one catalog entry; the comment above it is the
translator's note (where it appears, its budget, what each placeholder holds).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from reminders.i18n.format import LocalFormat
from reminders.i18n.translator import Translator
from reminders.models import Medication


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

    @property
    def drive_until(self) -> datetime:
        return self.end + timedelta(hours=24)


@dataclass(frozen=True)
class Email:
    subject: str
    paragraphs: list[str]


@dataclass(frozen=True)
class Env:
    t: Translator
    f: LocalFormat
    facts: Facts

    @property
    def med(self) -> Medication:
        if self.facts.medicine is None:
            raise ValueError("this message needs a medicine")
        return self.facts.medicine


@dataclass(frozen=True)
class MessageDef:
    key: str
    sms: Callable[[Env], str]
    email: Callable[[Env], Email]
    needs_medicine: bool = False


def _sign(e: Env) -> str:
    # TRANSLATORS: Email, closing line of every email. {clinic}: clinic name, e.g. "Riverside
    # Radiology"; {phone}: clinic phone, e.g. "+49 30 1234567". Keep short.
    return e.t.fmt(
        "common.email",
        "{clinic} · Phone {phone}",
        clinic=e.facts.clinic_name,
        phone=e.facts.clinic_phone,
    )


def _greeting(e: Env) -> str:
    # TRANSLATORS: Email, first line of every email. {name}: the patient's full name, e.g.
    # "Maria Rossi". Use the polite form of address.
    return e.t.fmt("common.email", "Dear {name},", name=e.facts.patient_name)


def _no_self_change(e: Env) -> str:
    # TRANSLATORS: Email, safety sentence in every medication email. Keep the meaning exact:
    # the patient must not stop or change any medicine on their own.
    return e.t.fmt(
        "common.email",
        "Do not stop any medicine or change its dose unless the radiology clinic and your own "
        "doctor have told you to. Blood thinners protect you against stroke and heart attack. "
        "Aspirin is usually not stopped.",
    )


def _when(e: Env, at: datetime) -> dict[str, str]:
    return {"date": e.f.day(at), "time": e.f.time(at)}


def _doctor_note_sms(e: Env) -> str:
    if not e.med.note:
        return ""
    # TRANSLATORS: SMS, part of the medication messages, only when the doctor wrote a note.
    # {note}: the doctor's note, shown exactly as written, e.g. "Take half a tablet on Monday".
    return " " + e.t.fmt("medication.sms", "Doctor's note: {note}", note=e.med.note)


def _doctor_note_email(e: Env) -> list[str]:
    if not e.med.note:
        return []
    # TRANSLATORS: Email, medication messages, only when the doctor wrote a note.
    # {note}: the doctor's note, shown exactly as written, e.g. "Take half a tablet on Monday".
    return [e.t.fmt("medication.email", "Your doctor's note: {note}", note=e.med.note)]


# --- booking confirmation -----------------------------------------------------------------


def booking_confirmation_sms(e: Env) -> str:
    f = e.facts
    # TRANSLATORS: SMS sent when the appointment is booked; whole SMS at most 3 segments.
    # {clinic}: clinic name; {date}: weekday and date, e.g. "Friday, March 26"; {time}: e.g.
    # "9:00 AM"; {place}: clinic site, e.g. "Riverside Radiology, Floor 2"; {phone}: clinic phone.
    return e.t.fmt(
        "booking_confirmation.sms",
        "{clinic}: your injection is booked for {date} at {time} at {place}. You must not drive "
        "for 24 hours afterwards, so arrange an escort home. Questions: {phone}",
        clinic=f.clinic_name,
        place=f.place,
        phone=f.clinic_phone,
        **_when(e, f.start),
    )


def booking_confirmation_email(e: Env) -> Email:
    f = e.facts
    return Email(
        # TRANSLATORS: Email subject, booking confirmation, at most 60 characters.
        # {date}: weekday and date, e.g. "Friday, March 26".
        subject=e.t.fmt(
            "booking_confirmation.email", "Your appointment on {date}", date=e.f.day(f.start)
        ),
        paragraphs=[
            _greeting(e),
            # TRANSLATORS: Email, booking confirmation. {date}: e.g. "Friday, March 26";
            # {time}: e.g. "9:00 AM"; {place}: clinic site; {address}: street address.
            e.t.fmt(
                "booking_confirmation.email",
                "Your CT-guided epidural injection is booked for {date} at {time} at {place}, "
                "{address}.",
                place=f.place,
                address=f.address,
                **_when(e, f.start),
            ),
            # TRANSLATORS: Email, booking confirmation: why an escort is needed.
            e.t.fmt(
                "booking_confirmation.email",
                "After the injection you must not drive or take part in road traffic for 24 "
                "hours, because the local anaesthetic can slow your reactions. Please arrange "
                "for someone to take you home.",
            ),
            # TRANSLATORS: Email, booking confirmation: allergies.
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
    f = e.facts
    # TRANSLATORS: SMS the day before the doctor's pause day for one medicine; whole SMS at most
    # 3 segments. {clinic}: clinic name; {medicine}: as the doctor entered it, e.g. "Apixaban
    # 5 mg"; {pause_date}: e.g. "Thursday, March 25"; {phone}: clinic phone.
    text = e.t.fmt(
        "medication_heads_up.sms",
        "{clinic}: as your doctor instructed, today is your last day of {medicine}; do not take "
        "it from {pause_date}. Change no other medicine without your doctor. Questions: {phone}",
        clinic=f.clinic_name,
        medicine=e.med.name,
        phone=f.clinic_phone,
        pause_date=e.f.day(e.med.pause_from) if e.med.pause_from else "",
    )
    return text + _doctor_note_sms(e)


def medication_heads_up_email(e: Env) -> Email:
    return Email(
        # TRANSLATORS: Email subject, day before a medicine is paused, at most 60 characters.
        # {medicine}: as the doctor entered it, e.g. "Apixaban 5 mg".
        subject=e.t.fmt(
            "medication_heads_up.email", "Tomorrow: pause {medicine}", medicine=e.med.name
        ),
        paragraphs=[
            _greeting(e),
            # TRANSLATORS: Email, day before a medicine is paused. {medicine}: e.g. "Apixaban
            # 5 mg"; {pause_date}: first day without it, e.g. "Thursday, March 25".
            e.t.fmt(
                "medication_heads_up.email",
                "As your doctor instructed for your injection, today is the last day you take "
                "{medicine}. Do not take it from {pause_date}.",
                medicine=e.med.name,
                pause_date=e.f.day(e.med.pause_from) if e.med.pause_from else "",
            ),
            *_resume_line(e),
            *_doctor_note_email(e),
            _no_self_change(e),
            _sign(e),
        ],
    )


def _resume_line(e: Env) -> list[str]:
    if e.med.resume_on is None:
        # TRANSLATORS: Email, medication messages, when the doctor gave no restart day.
        return [
            e.t.fmt(
                "medication.email",
                "Your doctor will tell you when you may take {medicine} again.",
                medicine=e.med.name,
            )
        ]
    # TRANSLATORS: Email, medication messages. {medicine}: e.g. "Apixaban 5 mg";
    # {resume_date}: the day the doctor said it may be restarted, e.g. "Monday, March 29".
    return [
        e.t.fmt(
            "medication.email",
            "Your doctor said you may restart {medicine} on {resume_date}.",
            medicine=e.med.name,
            resume_date=e.f.day(e.med.resume_on),
        )
    ]


def medication_pause_sms(e: Env) -> str:
    f = e.facts
    # TRANSLATORS: SMS on the day the doctor said to pause one medicine; whole SMS at most 3
    # segments. {clinic}: clinic name; {medicine}: e.g. "Apixaban 5 mg"; {phone}: clinic phone.
    text = e.t.fmt(
        "medication_pause.sms",
        "{clinic}: as your doctor instructed, do not take {medicine} from today. Change no other "
        "medicine without your doctor. Questions: {phone}",
        clinic=f.clinic_name,
        medicine=e.med.name,
        phone=f.clinic_phone,
    )
    return text + _doctor_note_sms(e)


def medication_pause_email(e: Env) -> Email:
    return Email(
        # TRANSLATORS: Email subject, the day a medicine is paused, at most 60 characters.
        # {medicine}: e.g. "Apixaban 5 mg".
        subject=e.t.fmt("medication_pause.email", "Today: pause {medicine}", medicine=e.med.name),
        paragraphs=[
            _greeting(e),
            # TRANSLATORS: Email, the day a medicine is paused. {medicine}: e.g. "Apixaban 5 mg".
            e.t.fmt(
                "medication_pause.email",
                "As your doctor instructed for your injection, do not take {medicine} from today.",
                medicine=e.med.name,
            ),
            *_resume_line(e),
            *_doctor_note_email(e),
            _no_self_change(e),
            _sign(e),
        ],
    )


def medication_resume_sms(e: Env) -> str:
    f = e.facts
    # TRANSLATORS: SMS on the day the doctor said a paused medicine may be restarted; whole SMS
    # at most 3 segments. {clinic}: clinic name; {medicine}: e.g. "Apixaban 5 mg";
    # {phone}: clinic phone.
    text = e.t.fmt(
        "medication_resume.sms",
        "{clinic}: your doctor said you may restart {medicine} from today. Questions: {phone}",
        clinic=f.clinic_name,
        medicine=e.med.name,
        phone=f.clinic_phone,
    )
    return text + _doctor_note_sms(e)


def medication_resume_email(e: Env) -> Email:
    return Email(
        # TRANSLATORS: Email subject, the day a paused medicine may be restarted, at most 60
        # characters. {medicine}: e.g. "Apixaban 5 mg".
        subject=e.t.fmt(
            "medication_resume.email", "You may restart {medicine} today", medicine=e.med.name
        ),
        paragraphs=[
            _greeting(e),
            # TRANSLATORS: Email, restart day. {medicine}: e.g. "Apixaban 5 mg".
            e.t.fmt(
                "medication_resume.email",
                "Your doctor said you may restart {medicine} from today, as before your injection.",
                medicine=e.med.name,
            ),
            *_doctor_note_email(e),
            # TRANSLATORS: Email, restart day: what to do when unsure.
            e.t.fmt(
                "medication_resume.email",
                "If you are unsure about the dose, ask your own doctor or call us.",
            ),
            _sign(e),
        ],
    )


# --- escort, day before, after, next day -----------------------------------------------------


def escort_sms(e: Env) -> str:
    f = e.facts
    # TRANSLATORS: SMS a few days before; whole SMS at most 3 segments. {clinic}: clinic name;
    # {date}: e.g. "Friday, March 26"; {time}: e.g. "9:00 AM"; {phone}: clinic phone.
    return e.t.fmt(
        "escort.sms",
        "{clinic}: your injection is on {date} at {time}. Please arrange for someone to take you "
        "home: for 24 hours you must not drive, as the local anaesthetic slows your reactions. "
        "Questions: {phone}",
        clinic=f.clinic_name,
        phone=f.clinic_phone,
        **_when(e, f.start),
    )


def escort_email(e: Env) -> Email:
    f = e.facts
    return Email(
        # TRANSLATORS: Email subject, escort reminder, at most 60 characters.
        subject=e.t.fmt("escort.email", "Please arrange a ride home"),
        paragraphs=[
            _greeting(e),
            # TRANSLATORS: Email, escort reminder. {date}: e.g. "Friday, March 26";
            # {time}: e.g. "9:00 AM"; {place}: clinic site.
            e.t.fmt(
                "escort.email",
                "Your injection is on {date} at {time} at {place}.",
                place=f.place,
                **_when(e, f.start),
            ),
            # TRANSLATORS: Email, escort reminder: the reason, from the clinic's information.
            e.t.fmt(
                "escort.email",
                "Please arrange for someone to take you home. For 24 hours after the injection "
                "you must not drive or take part in road traffic, because the local anaesthetic "
                "can slow your reactions.",
            ),
            _sign(e),
        ],
    )


def day_before_sms(e: Env) -> str:
    f = e.facts
    # TRANSLATORS: SMS the day before; whole SMS at most 3 segments. {clinic}: clinic name;
    # {time}: e.g. "9:00 AM"; {place}: clinic site; {phone}: clinic phone.
    return e.t.fmt(
        "day_before.sms",
        "{clinic}: your injection is tomorrow at {time} at {place}. Bring someone to take you "
        "home. Allergic to local anaesthetics or contrast media? Tell us before: {phone}",
        clinic=f.clinic_name,
        place=f.place,
        phone=f.clinic_phone,
        time=e.f.time(f.start),
    )


def day_before_email(e: Env) -> Email:
    f = e.facts
    return Email(
        # TRANSLATORS: Email subject, day before, at most 60 characters. {time}: e.g. "9:00 AM".
        subject=e.t.fmt(
            "day_before.email", "Tomorrow at {time}: your injection", time=e.f.time(f.start)
        ),
        paragraphs=[
            _greeting(e),
            # TRANSLATORS: Email, day before. {date}: e.g. "Friday, March 26"; {time}: e.g.
            # "9:00 AM"; {place}: clinic site; {address}: street address.
            e.t.fmt(
                "day_before.email",
                "Your injection is tomorrow, {date}, at {time} at {place}, {address}.",
                place=f.place,
                address=f.address,
                **_when(e, f.start),
            ),
            # TRANSLATORS: Email, day before: escort.
            e.t.fmt(
                "day_before.email",
                "Please bring someone to take you home: you must not drive for 24 hours "
                "after the injection.",
            ),
            # TRANSLATORS: Email, day before: allergies. {phone}: clinic phone.
            e.t.fmt(
                "day_before.email",
                "If you are allergic to local anaesthetics or to contrast media, tell the "
                "team before the injection. Call us on {phone}.",
                phone=f.clinic_phone,
            ),
            _sign(e),
        ],
    )


def after_procedure_sms(e: Env) -> str:
    f = e.facts
    # TRANSLATORS: SMS right after the injection; whole SMS at most 3 segments. {clinic}: clinic
    # name; {until}: day and time 24 h after the end, e.g. "Saturday, March 27, 10:00 AM";
    # {phone}: clinic phone.
    return e.t.fmt(
        "after_procedure.sms",
        "{clinic}: do not drive or take part in road traffic until {until}: the local "
        "anaesthetic slows your reactions. Leg numbness or weakness usually goes within 24 "
        "hours. Questions: {phone}",
        clinic=f.clinic_name,
        phone=f.clinic_phone,
        until=_day_time(e, f.drive_until),
    )


def _day_time(e: Env, at: datetime) -> str:
    # TRANSLATORS: a day followed by a time, used inside sentences. {date}: e.g. "Saturday,
    # March 27"; {time}: e.g. "10:00 AM".
    return e.t.fmt("common", "{date}, {time}", **_when(e, at))


def after_procedure_email(e: Env) -> Email:
    f = e.facts
    return Email(
        # TRANSLATORS: Email subject, right after the injection, at most 60 characters.
        subject=e.t.fmt("after_procedure.email", "After your injection: no driving for 24 hours"),
        paragraphs=[
            _greeting(e),
            # TRANSLATORS: Email, right after. {until}: day and time 24 hours after the end,
            # e.g. "Saturday, March 27, 10:00 AM".
            e.t.fmt(
                "after_procedure.email",
                "Do not drive or take part in road traffic until {until}. The local "
                "anaesthetic can slow your reactions.",
                until=_day_time(e, f.drive_until),
            ),
            # TRANSLATORS: Email, right after: expected leg numbness.
            e.t.fmt(
                "after_procedure.email",
                "Temporary numbness and weakness in the leg is expected. It comes from the "
                "local anaesthetic and usually goes away completely within 24 hours.",
            ),
            # TRANSLATORS: Email, right after: when to call. {phone}: clinic phone.
            e.t.fmt(
                "after_procedure.email",
                "If the numbness or weakness has not gone after 24 hours, call us on {phone}.",
                phone=f.clinic_phone,
            ),
            _sign(e),
        ],
    )


def next_day_sms(e: Env) -> str:
    f = e.facts
    # TRANSLATORS: SMS the day after; whole SMS at most 3 segments. {clinic}: clinic name;
    # {phone}: clinic phone.
    return e.t.fmt(
        "next_day.sms",
        "{clinic}: possible cortisone effects: calf cramps, slight weight gain, higher blood "
        "sugar or blood pressure, acne, bruising, period changes. Rash, swelling or trouble "
        "breathing: get urgent help. Questions: {phone}",
        clinic=f.clinic_name,
        phone=f.clinic_phone,
    )


def next_day_email(e: Env) -> Email:
    f = e.facts
    return Email(
        # TRANSLATORS: Email subject, day after the injection, at most 60 characters.
        subject=e.t.fmt("next_day.email", "After your injection: what to watch for"),
        paragraphs=[
            _greeting(e),
            # TRANSLATORS: Email, day after: the cortisone side effects from the clinic's
            # information. Keep every item.
            e.t.fmt(
                "next_day.email",
                "The cortisone in your injection can cause: calf cramps, slight weight gain, "
                "a slight rise in blood sugar or blood pressure, acne, bruising more easily, "
                "and changes to menstrual periods.",
            ),
            # TRANSLATORS: Email, day after: general side effects are rare.
            e.t.fmt(
                "next_day.email",
                "Because the amount of cortisone is small and local, general cortisone side "
                "effects are expected only in exceptional cases.",
            ),
            # TRANSLATORS: Email, day after: allergic reaction, urgent.
            e.t.fmt(
                "next_day.email",
                "Local anaesthetics and contrast media can cause allergic reactions. If you "
                "have a rash, swelling or difficulty breathing, get urgent medical help.",
            ),
            # TRANSLATORS: Email, day after: contact. {phone}: clinic phone.
            e.t.fmt(
                "next_day.email",
                "For any other question or concern, call us on {phone}.",
                phone=f.clinic_phone,
            ),
            _sign(e),
        ],
    )


# --- notices sent by staff actions ----------------------------------------------------------


def cancellation_sms(e: Env) -> str:
    f = e.facts
    # TRANSLATORS: SMS when the clinic cancels; whole SMS at most 3 segments. {clinic}: clinic
    # name; {date}: e.g. "Friday, March 26"; {time}: e.g. "9:00 AM"; {phone}: clinic phone.
    return e.t.fmt(
        "cancellation.sms",
        "{clinic}: your injection on {date} at {time} is cancelled. Ask your doctor before "
        "restarting or changing any medicine. Questions: {phone}",
        clinic=f.clinic_name,
        phone=f.clinic_phone,
        **_when(e, f.start),
    )


def cancellation_email(e: Env) -> Email:
    f = e.facts
    return Email(
        # TRANSLATORS: Email subject, cancellation, at most 60 characters. {date}: e.g.
        # "Friday, March 26".
        subject=e.t.fmt(
            "cancellation.email", "Cancelled: your appointment on {date}", date=e.f.day(f.start)
        ),
        paragraphs=[
            _greeting(e),
            # TRANSLATORS: Email, cancellation. {date}: e.g. "Friday, March 26"; {time}:
            # e.g. "9:00 AM".
            e.t.fmt(
                "cancellation.email",
                "Your injection on {date} at {time} has been cancelled.",
                **_when(e, f.start),
            ),
            # TRANSLATORS: Email, cancellation: medicines. {phone}: clinic phone.
            e.t.fmt(
                "cancellation.email",
                "If you paused a medicine for this appointment, ask your doctor before "
                "restarting or changing it. Call us on {phone} to book a new appointment.",
                phone=f.clinic_phone,
            ),
            _sign(e),
        ],
    )


def reschedule_sms(e: Env) -> str:
    f = e.facts
    # TRANSLATORS: SMS when the appointment moves; whole SMS at most 3 segments. {clinic}:
    # clinic name; {date}: new date, e.g. "Friday, March 26"; {time}: new time, e.g. "9:00 AM";
    # {place}: clinic site; {phone}: clinic phone.
    return e.t.fmt(
        "reschedule.sms",
        "{clinic}: your injection has moved to {date} at {time} at {place}. New reminders will "
        "follow. Questions: {phone}",
        clinic=f.clinic_name,
        place=f.place,
        phone=f.clinic_phone,
        **_when(e, f.start),
    )


def reschedule_email(e: Env) -> Email:
    f = e.facts
    return Email(
        # TRANSLATORS: Email subject, appointment moved, at most 60 characters. {date}: new date.
        subject=e.t.fmt("reschedule.email", "New date: {date}", date=e.f.day(f.start)),
        paragraphs=[
            _greeting(e),
            # TRANSLATORS: Email, appointment moved. {date}, {time}: the new date and time;
            # {place}: clinic site; {address}: street address.
            e.t.fmt(
                "reschedule.email",
                "Your injection has moved to {date} at {time} at {place}, {address}.",
                place=f.place,
                address=f.address,
                **_when(e, f.start),
            ),
            # TRANSLATORS: Email, appointment moved: earlier instructions.
            e.t.fmt(
                "reschedule.email",
                "Earlier messages about dates no longer apply. We will send new reminders, "
                "including any medication instructions from your doctor for the new date.",
            ),
            _no_self_change(e),
            _sign(e),
        ],
    )


MESSAGES: dict[str, MessageDef] = {
    m.key: m
    for m in (
        MessageDef("booking_confirmation", booking_confirmation_sms, booking_confirmation_email),
        MessageDef(
            "medication_heads_up",
            medication_heads_up_sms,
            medication_heads_up_email,
            needs_medicine=True,
        ),
        MessageDef(
            "medication_pause", medication_pause_sms, medication_pause_email, needs_medicine=True
        ),
        MessageDef(
            "medication_resume", medication_resume_sms, medication_resume_email, needs_medicine=True
        ),
        MessageDef("escort", escort_sms, escort_email),
        MessageDef("day_before", day_before_sms, day_before_email),
        MessageDef("after_procedure", after_procedure_sms, after_procedure_email),
        MessageDef("next_day", next_day_sms, next_day_email),
        MessageDef("cancellation", cancellation_sms, cancellation_email),
        MessageDef("reschedule", reschedule_sms, reschedule_email),
    )
}
MESSAGE_KEYS = frozenset(MESSAGES)
