"""Every message the service sends, as SMS and as email, written from the clinic's patient
information. The service relays the doctor's medication instructions (``medication``); it never
invents one. A patient who chose discreet SMS gets ``discreet``'s SMS instead.

Each ``t.fmt(context, msgid, ...)`` / ``t.nfmt(context, singular, plural, n, ...)`` call is one
catalog entry; the comment above it is the translator's note (where it appears, its budget, what
each placeholder holds, with an example).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta
from types import MappingProxyType

from reminders.i18n import discreet, medication
from reminders.i18n.common import day_time, greeting, no_driving_email, no_self_change, sign, when
from reminders.i18n.env import (
    BOOKING_SMS_SEGMENTS,
    DEFAULT_SMS_SEGMENTS,
    MEDICATION_SMS_SEGMENTS,
    NO_DRIVING_HOURS,
    NOTICE_SMS_SEGMENTS,
    NUMBNESS_HOURS,
    Email,
    Env,
    Facts,
)

__all__ = ["MESSAGES", "MESSAGE_KEYS", "OPTIONAL", "Email", "Env", "Facts", "MessageDef"]


@dataclass(frozen=True)
class MessageDef:
    """``sms_segments`` is the budget the SMS wording is written for. The schedule's rule has
    its own budget; ``reminders i18n check`` warns when a rule's is smaller than this one."""

    key: str
    sms: Callable[[Env], str]
    email: Callable[[Env], Email]
    # The SMS for a patient who chose discreet SMS (no procedure, medicine or condition named).
    discreet_sms: Callable[[Env], str]
    needs_medicine: bool = False
    sms_segments: int = DEFAULT_SMS_SEGMENTS


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
        **when(e, e.facts.start),
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
            greeting(e),
            # TRANSLATORS: Email, booking confirmation; at most 250 characters. {date}: e.g.
            # "Fri, Mar 26"; {time}: e.g. "9:00 AM"; {place}: clinic site, e.g. "Riverside
            # Radiology"; {address}: street address, e.g. "Hauptstraße 1, 10115 Berlin".
            e.t.fmt(
                "booking_confirmation.email",
                "Your CT-guided epidural injection is booked for {date} at {time} at {place}, "
                "{address}.",
                place=e.place,
                address=e.address,
                **when(e, f.start),
            ),
            no_driving_email(e),
            # TRANSLATORS: Email, booking confirmation: allergies; at most 200 characters.
            e.t.fmt(
                "booking_confirmation.email",
                "If you are allergic to local anaesthetics or to contrast media, please tell us "
                "before your appointment.",
            ),
            no_self_change(e),
            sign(e),
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
        **when(e, e.facts.start),
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
            greeting(e),
            # TRANSLATORS: Email, escort reminder; at most 200 characters. {date}: e.g. "Fri,
            # Mar 26"; {time}: e.g. "9:00 AM"; {place}: clinic site, e.g. "Riverside Radiology".
            e.t.fmt(
                "escort.email",
                "Your injection is on {date} at {time} at {place}.",
                place=e.place,
                **when(e, f.start),
            ),
            no_driving_email(e),
            sign(e),
        ],
    )


def day_before_sms(e: Env) -> str:
    # TRANSLATORS: SMS the day before; the whole SMS must fit 3 segments (about 200 characters
    # for non-Latin scripts or accented letters). {clinic}: clinic name; {time}: e.g. "9:00 AM";
    # {phone}: clinic phone. "us" is the radiology clinic.
    return e.t.fmt(
        "day_before.sms",
        "{clinic}: your injection is tomorrow at {time}. Please come with someone who can take you "
        "home. Allergic to local anaesthetics or contrast media? Tell us first: {phone}",
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
            greeting(e),
            # TRANSLATORS: Email, day before; at most 250 characters. {date}: e.g. "Fri, Mar
            # 26"; {time}: e.g. "9:00 AM"; {place}: clinic site, e.g. "Riverside Radiology";
            # {address}: street address, e.g. "Hauptstraße 1, 10115 Berlin".
            e.t.fmt(
                "day_before.email",
                "Your injection is tomorrow, {date}, at {time} at {place}, {address}.",
                place=e.place,
                address=e.address,
                **when(e, f.start),
            ),
            no_driving_email(e),
            # TRANSLATORS: Email, day before: allergies; at most 200 characters. {phone}: clinic
            # phone, e.g. "+49 30 1234567".
            e.t.fmt(
                "day_before.email",
                "If you are allergic to local anaesthetics or to contrast media, tell the "
                "team before the injection. Call us on {phone}.",
                phone=e.phone,
            ),
            sign(e),
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
        until=day_time(e, f.drive_until),
    )


def after_procedure_email(e: Env) -> Email:
    f = e.facts
    return Email(
        # TRANSLATORS: Email subject, right after the injection, at most 60 characters.
        subject=e.t.fmt("after_procedure.email", "After your injection: please do not drive"),
        paragraphs=[
            greeting(e),
            # TRANSLATORS: Email, right after; at most 200 characters. {until}: day and time 24
            # hours after the end, e.g. "Sat, Mar 27, 10:00 AM".
            e.t.fmt(
                "after_procedure.email",
                "Do not drive or take part in road traffic until {until}. The local "
                "anaesthetic can slow your reactions.",
                until=day_time(e, f.drive_until),
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
            sign(e),
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
            until=day_time(e, f.end + timedelta(hours=NUMBNESS_HOURS)),
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
            greeting(e),
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
            sign(e),
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
        **when(e, e.facts.start),
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
            greeting(e),
            # TRANSLATORS: Email, cancellation; at most 150 characters. {date}: e.g. "Fri, Mar
            # 26"; {time}: e.g. "9:00 AM".
            e.t.fmt(
                "cancellation.email",
                "Your injection on {date} at {time} has been cancelled.",
                **when(e, f.start),
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
            sign(e),
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
        **when(e, e.facts.start),
    )


def reschedule_email(e: Env) -> Email:
    f = e.facts
    return Email(
        # TRANSLATORS: Email subject, appointment moved, at most 60 characters. {date}: the new
        # date, e.g. "Fri, Mar 26".
        subject=e.t.fmt("reschedule.email", "New date: {date}", date=e.day(f.start)),
        paragraphs=[
            greeting(e),
            # TRANSLATORS: Email, appointment moved; at most 250 characters. {date}, {time}: the
            # new date and time, e.g. "Fri, Mar 26", "9:00 AM"; {place}: clinic site, e.g.
            # "Riverside Radiology"; {address}: street address, e.g. "Hauptstraße 1, Berlin".
            e.t.fmt(
                "reschedule.email",
                "Your injection has moved to {date} at {time} at {place}, {address}.",
                place=e.place,
                address=e.address,
                **when(e, f.start),
            ),
            # TRANSLATORS: Email, appointment moved: earlier instructions; at most 250
            # characters.
            e.t.fmt(
                "reschedule.email",
                "Earlier messages about dates no longer apply. We will send new reminders, "
                "including any medication instructions from your doctor for the new date.",
            ),
            no_self_change(e),
            sign(e),
        ],
    )


MESSAGES: dict[str, MessageDef] = {
    m.key: m
    for m in (
        MessageDef(
            "booking_confirmation",
            booking_confirmation_sms,
            booking_confirmation_email,
            discreet.booking_confirmation,
            sms_segments=BOOKING_SMS_SEGMENTS,
        ),
        MessageDef(
            "medication_heads_up",
            medication.medication_heads_up_sms,
            medication.medication_heads_up_email,
            discreet.medication_heads_up,
            needs_medicine=True,
            sms_segments=MEDICATION_SMS_SEGMENTS,
        ),
        MessageDef(
            "medication_pause",
            medication.medication_pause_sms,
            medication.medication_pause_email,
            discreet.medication_pause,
            needs_medicine=True,
            sms_segments=MEDICATION_SMS_SEGMENTS,
        ),
        MessageDef(
            "medication_resume",
            medication.medication_resume_sms,
            medication.medication_resume_email,
            discreet.medication_resume,
            needs_medicine=True,
            sms_segments=MEDICATION_SMS_SEGMENTS,
        ),
        MessageDef("escort", escort_sms, escort_email, discreet.escort),
        MessageDef("day_before", day_before_sms, day_before_email, discreet.day_before),
        MessageDef(
            "after_procedure", after_procedure_sms, after_procedure_email, discreet.after_procedure
        ),
        MessageDef("next_day", next_day_sms, next_day_email, discreet.next_day),
        MessageDef(
            "cancellation",
            cancellation_sms,
            cancellation_email,
            discreet.cancellation,
            sms_segments=NOTICE_SMS_SEGMENTS,
        ),
        MessageDef(
            "reschedule",
            reschedule_sms,
            reschedule_email,
            discreet.reschedule,
            sms_segments=NOTICE_SMS_SEGMENTS,
        ),
        MessageDef(
            "medication_correction",
            medication.medication_correction_sms,
            medication.medication_correction_email,
            discreet.medication_correction,
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
