"""The discreet SMS: for a patient who chose, at booking, SMS that name no procedure, no medicine
and no condition (a shared phone, a lock screen). Each says when, what the patient must do that
needs no medical word (no driving, someone to take them home, change no medicine on their own),
and where the details are: our email, or a call to the clinic when they get no email.

This is less safe than the full SMS (the medicine and its days are not in the SMS); the patient
chose it, and the emails stay complete. Each function here stands in for the same message's SMS
in ``messages``."""

from __future__ import annotations

from reminders.i18n.common import day_time, when
from reminders.i18n.env import NO_DRIVING_HOURS, Env


def _details(e: Env) -> str:
    """Where the patient reads what this SMS leaves out: never an email they do not get."""
    if e.facts.has_email:
        # TRANSLATORS: Discreet SMS (the patient asked for SMS that name no treatment and no
        # medicine), last sentence: the details are in the email. At most 60 characters besides
        # the phone. {phone}: clinic phone. "us" is the radiology clinic.
        return e.t.fmt(
            "discreet.sms", "The details are in our email, or call us: {phone}", phone=e.phone
        )
    # TRANSLATORS: Discreet SMS, last sentence, for a patient who gets no email: the details by
    # phone. At most 50 characters besides the phone. {phone}: clinic phone.
    return e.t.fmt("discreet.sms", "For the details, please call us: {phone}", phone=e.phone)


def _no_self_change(e: Env) -> str:
    # TRANSLATORS: Discreet SMS, about medicines, without naming any; at most 60 characters.
    # "us" is the radiology clinic.
    return e.t.fmt("discreet.sms", "Change no medicine without us and your doctor.")


def booking_confirmation(e: Env) -> str:
    # TRANSLATORS: Discreet SMS when the appointment is booked; it names no treatment and no
    # medicine, and must fit 4 segments. It carries the clinic's warning not to stop medicines
    # on one's own. {clinic}: clinic name; {date}: e.g. "Fri, Mar 26"; {time}: e.g. "9:00 AM";
    # {n}: hours without driving, always 24 in practice; {phone}: clinic phone.
    return e.t.nfmt(
        "discreet.sms",
        "{clinic}: your appointment is booked for {date} at {time}. No driving for {n} hour "
        "afterwards: please arrange for someone to take you home. Do not stop or change any "
        "medicine unless we and your doctor tell you to. Questions: {phone}",
        "{clinic}: your appointment is booked for {date} at {time}. No driving for {n} hours "
        "afterwards: please arrange for someone to take you home. Do not stop or change any "
        "medicine unless we and your doctor tell you to. Questions: {phone}",
        NO_DRIVING_HOURS,
        clinic=e.clinic,
        phone=e.phone,
        **when(e, e.facts.start),
    )


def _medicine(e: Env, lead: str) -> str:
    return " ".join((lead, _no_self_change(e), _details(e)))


def medication_heads_up(e: Env) -> str:
    # TRANSLATORS: Discreet SMS the day before the doctor's instruction for one medicine starts
    # (a pause or a reduced dose; neither the medicine nor the instruction is named). At most
    # 90 characters besides the date. {clinic}: clinic name; {date}: e.g. "Thu, Mar 25".
    start = e.med.change_from
    return _medicine(
        e,
        e.t.fmt(
            "discreet.sms",
            "{clinic}: your doctor has a medicine instruction for you that starts on {date}.",
            clinic=e.clinic,
            date=e.day(start) if start else "",
        ),
    )


def medication_pause(e: Env) -> str:
    # TRANSLATORS: Discreet SMS on the first day of the doctor's instruction for one medicine.
    # At most 90 characters. {clinic}: clinic name.
    return _medicine(
        e,
        e.t.fmt(
            "discreet.sms",
            "{clinic}: your doctor has a medicine instruction for you that starts today.",
            clinic=e.clinic,
        ),
    )


def medication_resume(e: Env) -> str:
    if e.restart_on_procedure_day:
        # TRANSLATORS: Discreet SMS after the appointment on the day the doctor said a
        # medicine may be taken as usual again (not named). At most 100 characters. {clinic}:
        # clinic name.
        lead = e.t.fmt(
            "discreet.sms",
            "{clinic}: your doctor has a new medicine instruction for you from today, after your "
            "appointment.",
            clinic=e.clinic,
        )
    else:
        # TRANSLATORS: Discreet SMS on the day the doctor said a medicine may be taken as usual
        # again (not named). At most 90 characters. {clinic}: clinic name.
        lead = e.t.fmt(
            "discreet.sms",
            "{clinic}: your doctor has a new medicine instruction for you from today.",
            clinic=e.clinic,
        )
    return _medicine(e, lead)


def medication_correction(e: Env) -> str:
    # TRANSLATORS: Discreet SMS when the doctor changed a medicine instruction we had sent (the
    # medicine is not named). At most 100 characters. {clinic}: clinic name.
    return _medicine(
        e,
        e.t.fmt(
            "discreet.sms",
            "{clinic}: your doctor changed a medicine instruction we sent you; this replaces our "
            "earlier message.",
            clinic=e.clinic,
        ),
    )


def escort(e: Env) -> str:
    # TRANSLATORS: Discreet SMS a few days before (names no treatment); with the reply line
    # that follows it must fit 3 segments. {clinic}: clinic name; {date}: e.g. "Fri, Mar 26";
    # {time}: e.g. "9:00 AM"; {n}: hours without driving, always 24; {phone}: clinic phone.
    text = e.t.nfmt(
        "discreet.sms",
        "{clinic}: your appointment is on {date} at {time}. Please arrange for someone to take "
        "you home: no driving for {n} hour afterwards. Questions: {phone}",
        "{clinic}: your appointment is on {date} at {time}. Please arrange for someone to take "
        "you home: no driving for {n} hours afterwards. Questions: {phone}",
        NO_DRIVING_HOURS,
        clinic=e.clinic,
        phone=e.phone,
        **when(e, e.facts.start),
    )
    # The same reply line as the full escort SMS (one catalog entry): the reply is recorded.
    return text + "\n" + e.t.fmt("escort.sms", "Reply 1 or YES once someone can take you home.")


def day_before(e: Env) -> str:
    # TRANSLATORS: Discreet SMS the day before (names no treatment); must fit 3 segments.
    # {clinic}: clinic name; {time}: e.g. "9:00 AM"; {phone}: clinic phone.
    return e.t.fmt(
        "discreet.sms",
        "{clinic}: your appointment is tomorrow at {time}. Please come with someone who can take "
        "you home. Any allergies? Tell us first: {phone}",
        clinic=e.clinic,
        phone=e.phone,
        time=e.time(e.facts.start),
    )


def after_procedure(e: Env) -> str:
    # TRANSLATORS: Discreet SMS right after the appointment: the no-driving rule, then where
    # the details are. At most 60 characters besides the day and time. {clinic}: clinic name;
    # {until}: 24 hours after the end, e.g. "Sat, Mar 27, 10:00 AM".
    lead = e.t.fmt(
        "discreet.sms",
        "{clinic}: do not drive or cycle until {until}.",
        clinic=e.clinic,
        until=day_time(e, e.facts.drive_until),
    )
    return " ".join((lead, _details(e)))


def next_day(e: Env) -> str:
    # TRANSLATORS: Discreet SMS the day after (names no treatment and no side effect): what to
    # watch for is in the email or on the phone. At most 60 characters. {clinic}: clinic name.
    parts = [
        e.t.fmt(
            "discreet.sms",
            "{clinic}: there are things to watch for after your appointment.",
            clinic=e.clinic,
        )
    ]
    if "urgent_help" in e.optional:
        # The clinic-approved optional sentence of the full SMS (one catalog entry).
        parts.append(
            e.t.fmt("next_day.sms", "Rash, swelling or trouble breathing: get urgent help.")
        )
    parts.append(_details(e))
    return " ".join(parts)


def cancellation(e: Env) -> str:
    # TRANSLATORS: Discreet SMS when the clinic cancels (names no treatment); must fit 4
    # segments and say that the medicine instructions for it no longer apply. {clinic}: clinic
    # name; {date}: e.g. "Fri, Mar 26"; {time}: e.g. "9:00 AM"; {phone}: clinic phone.
    return e.t.fmt(
        "discreet.sms",
        "{clinic}: your appointment on {date} at {time} is cancelled. Our medicine instructions "
        "for it no longer apply: ask us or your doctor before restarting or changing any "
        "medicine. Questions: {phone}",
        clinic=e.clinic,
        phone=e.phone,
        **when(e, e.facts.start),
    )


def reschedule(e: Env) -> str:
    # TRANSLATORS: Discreet SMS when the appointment moves (names no treatment); must fit 4
    # segments. {clinic}: clinic name; {date}: new date, e.g. "Fri, Mar 26"; {time}: new time,
    # e.g. "9:00 AM"; {phone}: clinic phone.
    return e.t.fmt(
        "discreet.sms",
        "{clinic}: your appointment has moved to {date} at {time}. The earlier medicine dates no "
        "longer apply; new ones will follow. Change no medicine without us and your doctor. "
        "Questions: {phone}",
        clinic=e.clinic,
        phone=e.phone,
        **when(e, e.facts.start),
    )
