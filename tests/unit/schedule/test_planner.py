"""plan(appointment, schedule, now): when each reminder is due, in the patient's own time zone.

Schedules are small TOML texts loaded with ``loads`` so each test states its rule exactly.
Every expected time is written out both in UTC and in the patient's local time.
"""

from __future__ import annotations

from dataclasses import astuple
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from reminders.ids import ReminderId
from reminders.model import Appointment, PlannedReminder, ReminderState
from reminders.schedule import (
    Schedule,
    load,
    loads,
    plan,
)
from reminders.schedule.loader import DEFAULTS_DIR
from tests.factories import BOOKED_AT, make_appointment

BERLIN = "Europe/Berlin"
NEW_YORK = "America/New_York"
SYDNEY = "Australia/Sydney"
LONG_BEFORE = datetime(2026, 12, 1, tzinfo=UTC)  # a "now" before every moment in these tests
ALL_DAY = '{ start = "00:00", end = "23:59" }'

TWO_MEDICINES = [
    {"name": "Apixaban", "pause_from": "2027-06-07", "resume_on": "2027-06-11", "note": ""},
    {"name": "Clopidogrel", "pause_from": "2027-06-03", "resume_on": "2027-06-12", "note": ""},
]


def default_schedule() -> Schedule:
    return load(DEFAULTS_DIR / "epidural_steroid_injection.toml")


def schedule(*rules: str, window: str | None = None) -> Schedule:
    """A schedule from rule bodies; each is the TOML inside one [[rules]] table."""
    text = 'procedure = "epidural_steroid_injection"\n'
    if window:
        text += f"window = {window}\n"
    for body in rules:
        text += "\n[[rules]]\n" + body.strip() + "\n"
    return loads(text, "test.toml")


def rule(
    offset: str,
    *,
    anchor: str = "procedure_start",
    key: str = "r",
    message: str = "day_before",
    channels: str = '["sms"]',
    **fields: str,
) -> str:
    body = (
        f'key = "{key}"\nmessage = "{message}"\nanchor = "{anchor}"\n'
        f"offset = {offset}\nchannels = {channels}\n"
    )
    return body + "".join(f"{name} = {value}\n" for name, value in fields.items())


def appointment(
    timezone: str = BERLIN,
    start: str = "2027-06-10T14:00:00+02:00",
    duration: int = 45,
    medications: list[dict[str, Any]] | None = None,
    **overrides: Any,
) -> Appointment:
    return make_appointment(
        patient__timezone=timezone,
        procedure__start=start,
        procedure__duration_minutes=duration,
        medications=medications or [],
        booked_at=BOOKED_AT.isoformat(),
        **overrides,
    )


def only(reminders: list[PlannedReminder]) -> PlannedReminder:
    assert len(reminders) == 1, reminders
    return reminders[0]


def local(at: datetime, timezone: str) -> str:
    return at.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M %Z")


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# --- calendar-day rules across daylight-saving changes -------------------------------------

DAY_BEFORE_AT_18 = rule('{ days = -1, at = "18:00" }')


@pytest.mark.parametrize(
    ("timezone", "start", "due_utc", "due_local"),
    [
        # Berlin springs forward on 2027-03-28
        (BERLIN, "2027-03-28T09:00:00+02:00", "2027-03-27 17:00", "2027-03-27 18:00 CET"),
        (BERLIN, "2027-03-29T09:00:00+02:00", "2027-03-28 16:00", "2027-03-28 18:00 CEST"),
        # Berlin falls back on 2027-10-31
        (BERLIN, "2027-10-31T09:00:00+01:00", "2027-10-30 16:00", "2027-10-30 18:00 CEST"),
        (BERLIN, "2027-11-01T09:00:00+01:00", "2027-10-31 17:00", "2027-10-31 18:00 CET"),
        # New York springs forward on 2027-03-14
        (NEW_YORK, "2027-03-14T09:00:00-04:00", "2027-03-13 23:00", "2027-03-13 18:00 EST"),
        (NEW_YORK, "2027-03-15T09:00:00-04:00", "2027-03-14 22:00", "2027-03-14 18:00 EDT"),
        # New York falls back on 2027-11-07
        (NEW_YORK, "2027-11-07T09:00:00-05:00", "2027-11-06 22:00", "2027-11-06 18:00 EDT"),
        (NEW_YORK, "2027-11-08T09:00:00-05:00", "2027-11-07 23:00", "2027-11-07 18:00 EST"),
        # Sydney falls back on 2027-04-04
        (SYDNEY, "2027-04-04T09:00:00+10:00", "2027-04-03 07:00", "2027-04-03 18:00 AEDT"),
        (SYDNEY, "2027-04-05T09:00:00+10:00", "2027-04-04 08:00", "2027-04-04 18:00 AEST"),
        # Sydney springs forward on 2027-10-03
        (SYDNEY, "2027-10-03T09:00:00+11:00", "2027-10-02 08:00", "2027-10-02 18:00 AEST"),
        (SYDNEY, "2027-10-04T09:00:00+11:00", "2027-10-03 07:00", "2027-10-03 18:00 AEDT"),
    ],
)
def test_day_before_reminder_stays_at_18_local_on_both_sides_of_a_dst_change(
    timezone: str,
    start: str,
    due_utc: str,
    due_local: str,
) -> None:
    r = only(plan(appointment(timezone, start), schedule(DAY_BEFORE_AT_18), LONG_BEFORE))
    assert r.due_at == utc(due_utc)
    assert local(r.due_at, timezone) == due_local


# --- elapsed rules across daylight-saving changes -------------------------------------------

TWENTY_FOUR_HOURS_AFTER = rule(
    "{ hours = 24 }", anchor="procedure_end", message="next_day", window=ALL_DAY
)


@pytest.mark.parametrize(
    ("timezone", "start", "due_utc", "due_local"),
    [
        (BERLIN, "2027-03-27T10:00:00+01:00", "2027-03-28 09:30", "2027-03-28 11:30 CEST"),
        (BERLIN, "2027-10-30T10:00:00+02:00", "2027-10-31 08:30", "2027-10-31 09:30 CET"),
        (NEW_YORK, "2027-03-13T10:00:00-05:00", "2027-03-14 15:30", "2027-03-14 11:30 EDT"),
        (NEW_YORK, "2027-11-06T10:00:00-04:00", "2027-11-07 14:30", "2027-11-07 09:30 EST"),
        (SYDNEY, "2027-04-03T10:00:00+11:00", "2027-04-03 23:30", "2027-04-04 09:30 AEST"),
        (SYDNEY, "2027-10-02T10:00:00+10:00", "2027-10-03 00:30", "2027-10-03 11:30 AEDT"),
    ],
)
def test_twenty_four_hours_after_is_true_elapsed_time_across_a_dst_change(
    timezone: str,
    start: str,
    due_utc: str,
    due_local: str,
) -> None:
    a = appointment(timezone, start, duration=30)
    r = only(plan(a, schedule(TWENTY_FOUR_HOURS_AFTER), LONG_BEFORE))
    assert r.due_at - a.procedure.end == timedelta(hours=24)
    assert r.due_at == utc(due_utc)
    assert local(r.due_at, timezone) == due_local


def test_minutes_after_an_end_that_straddles_spring_forward_are_real_minutes() -> None:
    # 01:30 CET + 45 min ends at 03:15 CEST (01:15 UTC); 15 minutes later is 03:30 CEST.
    a = appointment(BERLIN, "2027-03-28T01:30:00+01:00", duration=45)
    after = rule(
        "{ minutes = 15 }", anchor="procedure_end", message="after_procedure", window=ALL_DAY
    )
    r = only(plan(a, schedule(after), LONG_BEFORE))
    assert r.due_at == utc("2027-03-28 01:30")
    assert local(r.due_at, BERLIN) == "2027-03-28 03:30 CEST"


def test_minutes_after_an_end_inside_the_repeated_fall_back_hour_are_real_minutes() -> None:
    # 02:30 CEST (00:30 UTC) + 45 min is 02:15 CET (01:15 UTC); 15 minutes later is 02:30 CET.
    a = appointment(BERLIN, "2027-10-31T02:30:00+02:00", duration=45)
    after = rule(
        "{ minutes = 15 }", anchor="procedure_end", message="after_procedure", window=ALL_DAY
    )
    r = only(plan(a, schedule(after), LONG_BEFORE))
    assert r.due_at == utc("2027-10-31 01:30")
    assert local(r.due_at, BERLIN) == "2027-10-31 02:30 CET"


# --- offsets crossing midnight --------------------------------------------------------------


def test_day_before_a_0030_procedure_is_the_previous_local_day_not_the_previous_utc_day() -> None:
    # 00:30 in Berlin is 22:30 UTC the evening before: the UTC date would give 06-08.
    r = only(
        plan(
            appointment(BERLIN, "2027-06-10T00:30:00+02:00"),
            schedule(DAY_BEFORE_AT_18),
            LONG_BEFORE,
        )
    )
    assert local(r.due_at, BERLIN) == "2027-06-09 18:00 CEST"
    assert r.due_at == utc("2027-06-09 16:00")


def test_day_before_a_late_evening_procedure_west_of_utc_uses_the_local_date() -> None:
    # 23:30 in New York is already 03:30 UTC the next day: the UTC date would give 06-10.
    r = only(
        plan(
            appointment(NEW_YORK, "2027-06-10T23:30:00-04:00"),
            schedule(DAY_BEFORE_AT_18),
            LONG_BEFORE,
        )
    )
    assert local(r.due_at, NEW_YORK) == "2027-06-09 18:00 EDT"
    assert r.due_at == utc("2027-06-09 22:00")


def test_elapsed_offset_of_twenty_hours_crosses_midnight_into_the_next_local_day() -> None:
    # ends 16:00 CEST; 20 hours later is 12:00 CEST the next day
    a = appointment(BERLIN, "2027-06-10T15:15:00+02:00", duration=45)
    later = rule("{ hours = 20 }", anchor="procedure_end", message="next_day")
    r = only(plan(a, schedule(later), LONG_BEFORE))
    assert r.due_at == utc("2027-06-11 10:00")
    assert local(r.due_at, BERLIN) == "2027-06-11 12:00 CEST"


def test_negative_elapsed_offset_crosses_midnight_into_the_previous_local_day() -> None:
    a = appointment(BERLIN, "2027-06-10T01:00:00+02:00")
    before = rule("{ hours = -3 }", message="escort", window=ALL_DAY)
    r = only(plan(a, schedule(before), LONG_BEFORE))
    assert local(r.due_at, BERLIN) == "2027-06-09 22:00 CEST"


# --- quiet hours ----------------------------------------------------------------------------


def quiet(at: str, outside: str) -> Schedule:
    return schedule(
        rule(
            f'{{ days = -1, at = "{at}" }}',
            window=f'{{ start = "08:00", end = "20:00", outside = "{outside}" }}',
        )
    )


def test_a_2200_reminder_with_outside_later_moves_to_0800_the_next_local_day() -> None:
    r = only(plan(appointment(), quiet("22:00", "later"), LONG_BEFORE))
    assert local(r.nominal_at, BERLIN) == "2027-06-09 22:00 CEST"
    assert local(r.due_at, BERLIN) == "2027-06-10 08:00 CEST"


def test_a_2200_reminder_with_outside_earlier_moves_to_2000_the_same_local_day() -> None:
    r = only(plan(appointment(), quiet("22:00", "earlier"), LONG_BEFORE))
    assert local(r.nominal_at, BERLIN) == "2027-06-09 22:00 CEST"
    assert local(r.due_at, BERLIN) == "2027-06-09 20:00 CEST"


def test_a_0630_reminder_with_outside_earlier_moves_to_2000_the_previous_local_day() -> None:
    r = only(plan(appointment(), quiet("06:30", "earlier"), LONG_BEFORE))
    assert local(r.due_at, BERLIN) == "2027-06-08 20:00 CEST"


def test_a_0630_reminder_with_outside_later_moves_to_0800_the_same_local_day() -> None:
    r = only(plan(appointment(), quiet("06:30", "later"), LONG_BEFORE))
    assert local(r.due_at, BERLIN) == "2027-06-09 08:00 CEST"


def test_a_reminder_exactly_at_the_window_end_is_not_moved() -> None:
    r = only(plan(appointment(), quiet("20:00", "later"), LONG_BEFORE))
    assert r.due_at == r.nominal_at == utc("2027-06-09 18:00")


def test_the_file_wide_window_applies_to_rules_without_their_own() -> None:
    s = schedule(
        rule('{ days = -1, at = "21:00" }'),
        window='{ start = "09:00", end = "17:00", outside = "earlier" }',
    )
    r = only(plan(appointment(), s, LONG_BEFORE))
    assert local(r.due_at, BERLIN) == "2027-06-09 17:00 CEST"


def test_quiet_hours_are_the_patients_local_hours_in_sydney() -> None:
    # 22:00 AEST is 12:00 UTC, inside 08-20 if the window were read in UTC
    r = only(
        plan(appointment(SYDNEY, "2027-06-10T14:00:00+10:00"), quiet("22:00", "later"), LONG_BEFORE)
    )
    assert local(r.due_at, SYDNEY) == "2027-06-10 08:00 AEST"
    assert r.due_at == utc("2027-06-09 22:00")


def test_a_window_that_opens_only_after_the_deadline_skips_the_reminder() -> None:
    # 22:00 the evening before would move to 08:00, after the 07:00 deadline (procedure - 2 h)
    late = '{ policy = "send", until = { anchor = "procedure_start", hours = -2 } }'
    s = schedule(rule('{ days = -1, at = "22:00" }', late=late))
    r = only(plan(appointment(BERLIN, "2027-06-10T09:00:00+02:00"), s, LONG_BEFORE))
    assert r.state is ReminderState.SKIPPED
    assert local(r.deadline, BERLIN) == "2027-06-10 07:00 CEST"


# --- late policies at booking ---------------------------------------------------------------
# Procedure 2027-06-10 14:00 CEST; the reminder's moment is 2027-06-09 10:00 CEST; the
# deadline (`until`) is two hours before the procedure, 2027-06-10 12:00 CEST.


def late(policy: str, outside: str = "later") -> Schedule:
    return schedule(
        rule(
            '{ days = -1, at = "10:00" }',
            late=f'{{ policy = "{policy}", until = {{ anchor = "procedure_start", hours = -2 }} }}',
            window=f'{{ start = "08:00", end = "20:00", outside = "{outside}" }}',
        )
    )


def berlin(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(BERLIN))


def test_a_reminder_still_ahead_at_booking_is_scheduled_at_its_moment_whatever_the_policy() -> None:
    now = berlin("2027-06-09 09:00")
    for policy in ("send", "skip", "flag"):
        r = only(plan(appointment(), late(policy), now))
        assert (r.state, r.due_at, r.reason) == (
            ReminderState.SCHEDULED,
            utc("2027-06-09 08:00"),
            "",
        )


def test_late_send_inside_the_window_is_due_at_booking_time() -> None:
    now = berlin("2027-06-09 15:00")
    r = only(plan(appointment(), late("send"), now))
    assert r.state is ReminderState.SCHEDULED
    assert r.due_at == now
    assert r.nominal_at == utc("2027-06-09 08:00")
    assert r.reason == "late: sent as soon as possible"


def test_late_send_booked_in_quiet_hours_is_due_when_the_window_next_opens() -> None:
    r = only(plan(appointment(), late("send"), berlin("2027-06-09 21:00")))
    assert r.state is ReminderState.SCHEDULED
    assert local(r.due_at, BERLIN) == "2027-06-10 08:00 CEST"


def test_late_send_with_outside_earlier_booked_after_the_window_waits_for_next_opening() -> None:
    # "earlier" moves a *planned* moment back; it cannot move a send into the past.
    r = only(plan(appointment(), late("send", "earlier"), berlin("2027-06-09 21:00")))
    assert r.state is ReminderState.SCHEDULED
    assert local(r.due_at, BERLIN) == "2027-06-10 08:00 CEST"


def test_late_send_with_outside_earlier_booked_before_the_window_waits_for_its_opening() -> None:
    r = only(plan(appointment(), late("send", "earlier"), berlin("2027-06-10 06:00")))
    assert r.state is ReminderState.SCHEDULED
    assert local(r.due_at, BERLIN) == "2027-06-10 08:00 CEST"


def test_late_send_just_before_the_deadline_is_still_sent() -> None:
    now = berlin("2027-06-10 11:59")
    r = only(plan(appointment(), late("send"), now))
    assert r.state is ReminderState.SCHEDULED
    assert r.due_at == now
    assert r.deadline == utc("2027-06-10 10:00")


def test_late_send_booked_after_the_deadline_is_skipped() -> None:
    r = only(plan(appointment(), late("send"), berlin("2027-06-10 12:30")))
    assert r.state is ReminderState.SKIPPED
    assert r.reason == "its moment had passed at booking and it is no longer useful"


def test_late_send_whose_next_window_opens_after_the_deadline_is_skipped() -> None:
    # booked 21:00 the evening before a 09:00 procedure: window opens 08:00, deadline 07:00
    a = appointment(BERLIN, "2027-06-10T09:00:00+02:00")
    r = only(plan(a, late("send"), berlin("2027-06-09 21:00")))
    assert r.state is ReminderState.SKIPPED


def test_late_skip_marks_the_reminder_skipped() -> None:
    r = only(plan(appointment(), late("skip"), berlin("2027-06-09 15:00")))
    assert r.state is ReminderState.SKIPPED
    assert r.reason == "its moment had passed at booking"
    assert r.due_at == utc("2027-06-09 08:00")


def test_late_flag_marks_the_reminder_flagged_for_staff() -> None:
    r = only(plan(appointment(), late("flag"), berlin("2027-06-09 15:00")))
    assert r.state is ReminderState.FLAGGED
    assert r.reason == "its moment had passed at booking; staff should contact the patient"


def test_late_send_without_until_gives_up_twelve_hours_after_the_due_time() -> None:
    # due 2027-06-09 08:00 CEST with no `until`: the deadline is 20:00 CEST the same day
    s = schedule(rule('{ days = -1, at = "08:00" }', window=ALL_DAY))
    at_deadline = only(plan(appointment(), s, berlin("2027-06-09 20:00")))
    assert at_deadline.deadline == utc("2027-06-09 18:00")
    assert at_deadline.state is ReminderState.SCHEDULED
    assert only(plan(appointment(), s, berlin("2027-06-09 20:01"))).state is (ReminderState.SKIPPED)


def test_a_reminder_due_exactly_at_booking_time_is_on_time_not_late() -> None:
    r = only(plan(appointment(), late("skip"), berlin("2027-06-09 10:00")))
    assert (r.state, r.reason) == (ReminderState.SCHEDULED, "")
    assert r.due_at == utc("2027-06-09 08:00")


def test_plan_refuses_a_naive_now() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        plan(appointment(), late("send"), datetime(2027, 6, 9, 15, 0))


# --- medicines ------------------------------------------------------------------------------

MEDICATION_RULES = ("medication_heads_up", "medication_pause", "medication_resume")


def test_two_medicines_get_their_own_heads_up_pause_and_resume_reminders_per_channel() -> None:
    reminders = plan(appointment(medications=TWO_MEDICINES), default_schedule(), LONG_BEFORE)
    slots = {r.slot for r in reminders if r.rule in MEDICATION_RULES}
    assert slots == {
        (rule, medicine, channel)
        for rule in MEDICATION_RULES
        for medicine in (0, 1)
        for channel in ("sms", "email")
    }
    assert len([r for r in reminders if r.rule in MEDICATION_RULES]) == 12


def test_each_medicine_is_reminded_on_its_own_pause_and_resume_days() -> None:
    reminders = plan(appointment(medications=TWO_MEDICINES), default_schedule(), LONG_BEFORE)
    when = {
        (r.rule, r.medicine): local(r.due_at, BERLIN)
        for r in reminders
        if r.channel == "sms" and r.rule in MEDICATION_RULES
    }
    assert when == {
        ("medication_heads_up", 0): "2027-06-06 09:00 CEST",
        ("medication_pause", 0): "2027-06-07 08:00 CEST",
        ("medication_resume", 0): "2027-06-11 08:00 CEST",
        ("medication_heads_up", 1): "2027-06-02 09:00 CEST",
        ("medication_pause", 1): "2027-06-03 08:00 CEST",
        ("medication_resume", 1): "2027-06-12 08:00 CEST",
    }


def test_a_medicine_without_a_resume_day_has_no_resume_reminder() -> None:
    meds = [{**TWO_MEDICINES[0], "resume_on": None}, TWO_MEDICINES[1]]
    reminders = plan(appointment(medications=meds), default_schedule(), LONG_BEFORE)
    resumes = {(r.medicine, r.channel) for r in reminders if r.rule == "medication_resume"}
    assert resumes == {(1, "sms"), (1, "email")}
    pauses = {(r.medicine, r.channel) for r in reminders if r.rule == "medication_pause"}
    assert pauses == {(0, "sms"), (0, "email"), (1, "sms"), (1, "email")}


def test_an_appointment_without_medicines_has_no_medicine_reminders() -> None:
    reminders = plan(appointment(), default_schedule(), LONG_BEFORE)
    assert [r for r in reminders if r.rule in MEDICATION_RULES] == []
    assert all(r.medicine is None for r in reminders)


def test_a_has_medications_rule_is_absent_without_medicines() -> None:
    s = schedule(rule('{ days = -1, at = "18:00" }', when='"has_medications"'))
    assert plan(appointment(), s, LONG_BEFORE) == []


def test_a_has_medications_rule_is_planned_once_when_there_are_medicines() -> None:
    s = schedule(rule('{ days = -1, at = "18:00" }', when='"has_medications"'))
    r = only(plan(appointment(medications=TWO_MEDICINES), s, LONG_BEFORE))
    assert (r.rule, r.medicine) == ("r", None)


# --- channels -------------------------------------------------------------------------------


def test_a_patient_without_email_gets_no_email_reminders() -> None:
    a = appointment(medications=TWO_MEDICINES, patient__email=None)
    reminders = plan(a, default_schedule(), LONG_BEFORE)
    assert reminders
    assert {r.channel for r in reminders} == {"sms"}


def test_a_patient_who_allows_only_email_gets_no_sms_even_with_a_phone_number() -> None:
    a = appointment(patient__channels=["email"])
    reminders = plan(a, default_schedule(), LONG_BEFORE)
    assert reminders
    assert {r.channel for r in reminders} == {"email"}


def test_an_email_only_rule_is_not_planned_for_a_patient_without_email() -> None:
    s = schedule(rule('{ days = -1, at = "18:00" }', channels='["email"]'))
    assert plan(appointment(patient__email=None), s, LONG_BEFORE) == []


# --- reminder ids ---------------------------------------------------------------------------


def test_reminder_id_names_appointment_version_rule_medicine_and_channel() -> None:
    assert (
        str(ReminderId("APT-1001", 3, "day_before", None, "sms")) == "APT-1001:3:day_before:-:sms"
    )
    assert str(ReminderId("APT-1001", 1, "medication_pause", 1, "email")) == (
        "APT-1001:1:medication_pause:1:email"
    )


def test_planned_reminder_ids_are_the_same_whenever_the_plan_is_made() -> None:
    a = appointment(medications=TWO_MEDICINES)
    first = [r.id for r in plan(a, default_schedule(), LONG_BEFORE)]
    again = [r.id for r in plan(a, default_schedule(), berlin("2027-06-09 15:00"))]
    assert sorted(first) == sorted(again)
    assert len(set(first)) == len(first)
    assert "APT-1001:1:medication_heads_up:1:sms" in first


def test_a_new_version_changes_the_ids_but_not_the_slots() -> None:
    a = appointment(medications=TWO_MEDICINES)
    v1 = plan(a, default_schedule(), LONG_BEFORE)
    v2 = plan(a.with_version(2), default_schedule(), LONG_BEFORE)
    assert {r.slot for r in v1} == {r.slot for r in v2}
    assert not {r.id for r in v1} & {r.id for r in v2}
    assert all(r.id.startswith("APT-1001:2:") for r in v2)


def test_every_planned_id_parses_back_to_its_parts() -> None:
    for r in plan(appointment(medications=TWO_MEDICINES), default_schedule(), LONG_BEFORE):
        assert astuple(ReminderId.parse(r.id)) == (
            r.appointment_id,
            r.version,
            r.rule,
            r.medicine,
            r.channel,
        )


@given(
    appointment_id=st.from_regex(r"[A-Za-z0-9._-]{1,64}", fullmatch=True),
    version=st.integers(min_value=1, max_value=10**6),
    rule_key=st.from_regex(r"[a-z][a-z0-9_]{0,39}", fullmatch=True),
    medicine=st.none() | st.integers(min_value=0, max_value=50),
    channel=st.sampled_from(["sms", "email"]),
)
def test_any_valid_reminder_id_parses_back_to_its_parts(
    appointment_id: str,
    version: int,
    rule_key: str,
    medicine: int | None,
    channel: str,
) -> None:
    rid = str(ReminderId(appointment_id, version, rule_key, medicine, channel))
    assert astuple(ReminderId.parse(rid)) == (appointment_id, version, rule_key, medicine, channel)


# --- the shipped schedule -------------------------------------------------------------------


def test_the_default_schedule_for_the_sample_appointment_runs_in_this_order() -> None:
    # sample: Berlin, procedure 2027-03-28 09:00 CEST (the spring-forward day), 45 min,
    # Apixaban paused from 03-25 and resumed 03-29; booked 2027-03-15 10:00 UTC
    reminders = plan(
        make_appointment(booked_at=BOOKED_AT.isoformat()), default_schedule(), BOOKED_AT
    )
    keys = list(dict.fromkeys(r.rule for r in reminders))
    assert keys == [
        "booking_confirmation",
        "medication_heads_up",
        "medication_pause",
        "escort",
        "day_before",
        "after_procedure",
        "medication_resume",
        "next_day",
    ]
    assert [r.channel for r in reminders] == ["email", "sms"] * 8


def test_the_default_schedule_for_the_sample_appointment_is_due_at_these_local_times() -> None:
    reminders = plan(
        make_appointment(booked_at=BOOKED_AT.isoformat()), default_schedule(), BOOKED_AT
    )
    due = {r.rule: local(r.due_at, BERLIN) for r in reminders if r.channel == "sms"}
    assert due == {
        "booking_confirmation": "2027-03-15 11:00 CET",
        "medication_heads_up": "2027-03-24 09:00 CET",
        "medication_pause": "2027-03-25 08:00 CET",
        "escort": "2027-03-25 10:00 CET",
        "day_before": "2027-03-27 18:00 CET",
        "after_procedure": "2027-03-28 10:00 CEST",
        "medication_resume": "2027-03-29 08:00 CEST",
        "next_day": "2027-03-29 10:00 CEST",
    }
    assert {r.state for r in reminders} == {ReminderState.SCHEDULED}


def test_a_restart_on_the_procedure_day_is_planned_only_after_the_procedure() -> None:
    # The doctor's restart day is the injection day: 08:00 would be hours before a 13:00
    # spinal injection. The message waits until 30 minutes after the procedure ends.
    schedule = load(DEFAULTS_DIR / "epidural_steroid_injection.toml")
    appt = make_appointment(
        procedure__start="2027-03-28T13:00:00+02:00",
        medications=[
            {"name": "Apixaban 5 mg", "pause_from": "2027-03-25", "resume_on": "2027-03-28"}
        ],
    )
    booked = datetime(2027, 3, 20, 10, 0, tzinfo=UTC)
    planned = [p for p in plan(appt, schedule, booked) if p.rule == "medication_resume"]
    assert planned and all(p.due_at == appt.procedure.end + timedelta(minutes=30) for p in planned)
    assert all(p.due_at > appt.procedure.end for p in planned)
    later_day = make_appointment(procedure__start="2027-03-28T13:00:00+02:00")  # resumes 03-29
    (p, *_) = [p for p in plan(later_day, schedule, booked) if p.rule == "medication_resume"]
    assert p.due_at == datetime(2027, 3, 29, 6, 0, tzinfo=UTC)  # 08:00 in Berlin, as before
