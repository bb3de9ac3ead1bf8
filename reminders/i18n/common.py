"""Sentences several messages share: greeting and signature, the safety paragraph about
medicines, the no-driving paragraph, a day with its time."""

from __future__ import annotations

from datetime import datetime

from reminders.i18n.env import NO_DRIVING_HOURS, Env


def when(e: Env, at: datetime) -> dict[str, str]:
    return {"date": e.day(at), "time": e.time(at)}


def day_time(e: Env, at: datetime) -> str:
    # TRANSLATORS: SMS and email, a day followed by a time, used inside sentences; at most 30
    # characters. {date}: weekday and date, e.g. "Sat, Mar 27"; {time}: e.g. "10:00 AM".
    return e.t.fmt("common", "{date}, {time}", **when(e, at))


def sign(e: Env) -> str:
    # TRANSLATORS: Email, closing line of every email; at most 60 characters. {clinic}: clinic
    # name, e.g. "Riverside Radiology"; {phone}: clinic phone, e.g. "+49 30 1234567".
    return e.t.fmt("common.email", "{clinic} · Phone {phone}", clinic=e.clinic, phone=e.phone)


def greeting(e: Env) -> str:
    # TRANSLATORS: Email, first line of every email; at most 60 characters. {name}: the
    # patient's full name, e.g. "Maria Rossi". Use the polite form of address.
    return e.t.fmt("common.email", "Dear {name},", name=e.name)


def no_self_change(e: Env) -> str:
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


def no_driving_email(e: Env) -> str:
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
