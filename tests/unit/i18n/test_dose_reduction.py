"""Issue 11, finding 4: a dose reduction the doctor enters (medicine, from day, the reduced dose
as verbatim text, until day) is planned like a pause and relayed in its own words; the SMS
never says "do not take" about a medicine the patient is to keep taking at a lower dose."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from reminders.i18n import render
from reminders.i18n.facts import facts_for
from reminders.model import Medication, ValidationError
from reminders.preview import preview
from reminders.schedule import load
from reminders.schedule.loader import DEFAULTS_DIR
from tests.factories import LOCALES, SHIPPED, make_appointment

BERLIN = ZoneInfo("Europe/Berlin")
# The injection is on Sun 2027-03-28 at 13:00 in Berlin.
START = "2027-03-28T13:00:00+02:00"
REDUCE = {
    "name": "Rivaroxaban 20 mg",
    "reduced_dose": "10 mg once a day",
    "reduce_from": "2027-03-25",
    "reduce_until": "2027-03-29",
    "note": "With food",
}
MEDICATION = ["medication_heads_up", "medication_pause", "medication_resume"]


def text(message: str, channel: str, med: dict[str, str], *, locale: str = "en") -> str:
    appt = make_appointment(procedure__start=START, patient__locale=locale, medications=[med])
    out = render(message, channel, locale, facts_for(appt, 0), BERLIN, LOCALES)
    assert out.locale == locale, out.fallbacks
    return out.text


def test_a_reduction_is_planned_on_its_first_day_and_when_the_usual_dose_is_back() -> None:
    appt = make_appointment(procedure__start=START, medications=[REDUCE])
    schedule = load(DEFAULTS_DIR / "epidural_steroid_injection.toml")
    items = preview(appt, schedule, datetime(2027, 3, 20, 10, tzinfo=UTC), LOCALES)
    days = {
        i.reminder.rule: i.reminder.due_at.astimezone(BERLIN).date()
        for i in items
        if i.reminder.channel == "sms"
    }
    assert days["medication_heads_up"] == date(2027, 3, 24)  # the day before reduce_from
    assert days["medication_pause"] == date(2027, 3, 25)  # reduce_from
    assert days["medication_resume"] == date(2027, 3, 30)  # the day after reduce_until


def test_the_sms_relay_the_doctors_dose_verbatim_and_never_say_do_not_take() -> None:
    heads_up = text("medication_heads_up", "sms", REDUCE)
    assert (
        "as your doctor instructed, from Thu, Mar 25 take Rivaroxaban 20 mg at a reduced dose: "
        "10 mg once a day." in heads_up
    )
    assert "You may go back to your usual dose on Tue, Mar 30." in heads_up
    assert "Doctor's note: With food" in heads_up
    pause_day = text("medication_pause", "sms", REDUCE)
    assert "from today take Rivaroxaban 20 mg at a reduced dose: 10 mg once a day." in pause_day
    back = text("medication_resume", "sms", REDUCE)
    assert "you may go back to your usual dose of Rivaroxaban 20 mg from today" in back
    for sms in (heads_up, pause_day, back):
        assert "do not take" not in sms.lower() and "restart" not in sms


def test_the_usual_dose_back_on_the_injection_day_says_after_your_injection() -> None:
    on_the_day = {**REDUCE, "reduce_until": "2027-03-27"}
    assert "You may go back to your usual dose on Sun, Mar 28, after your injection." in text(
        "medication_pause", "sms", on_the_day
    )
    assert "usual dose of Rivaroxaban 20 mg today, after your injection" in text(
        "medication_resume", "sms", on_the_day
    )
    # ... and that message waits until the injection is over.
    appt = make_appointment(procedure__start=START, medications=[on_the_day])
    schedule = load(DEFAULTS_DIR / "epidural_steroid_injection.toml")
    items = preview(appt, schedule, datetime(2027, 3, 20, 10, tzinfo=UTC), LOCALES)
    back = [i for i in items if i.reminder.rule == "medication_resume"]
    assert back and all(i.reminder.due_at > appt.procedure.end for i in back)


def test_without_an_until_day_the_doctor_will_tell_when_the_usual_dose_is_back() -> None:
    open_ended = {k: v for k, v in REDUCE.items() if k != "reduce_until"}
    assert "Your doctor will tell you when to go back to your usual dose." in text(
        "medication_pause", "sms", open_ended
    )
    assert (
        "Your doctor will tell you when you may go back to your usual dose of Rivaroxaban 20 mg."
        in text("medication_pause", "email", open_ended)
    )
    appt = make_appointment(procedure__start=START, medications=[open_ended])
    schedule = load(DEFAULTS_DIR / "epidural_steroid_injection.toml")
    items = preview(appt, schedule, datetime(2027, 3, 20, 10, tzinfo=UTC), LOCALES)
    assert not [i for i in items if i.reminder.rule == "medication_resume"]


def test_the_emails_relay_the_dose_and_keep_the_safety_paragraph() -> None:
    email = text("medication_heads_up", "email", REDUCE)
    assert "from Thu, Mar 25 take Rivaroxaban 20 mg at a reduced dose: 10 mg once a day." in email
    assert "Your doctor said you may go back to your usual dose of Rivaroxaban 20 mg on" in email
    assert "Your doctor's note: With food" in email
    assert "Do not stop any medicine or change its dose unless" in email
    assert "as before" not in text("medication_resume", "email", REDUCE)


def test_a_correction_to_a_reduction_says_the_new_dose() -> None:
    sms = text("medication_correction", "sms", REDUCE)
    assert "From Thu, Mar 25 take it at a reduced dose: 10 mg once a day." in sms
    email = text("medication_correction", "email", REDUCE)
    assert "From Thu, Mar 25 take Rivaroxaban 20 mg at a reduced dose: 10 mg once a day." in email


def test_an_aspirin_reduction_is_not_contradicted_by_aspirin_is_usually_not_stopped() -> None:
    aspirin = {**REDUCE, "name": "ASS 100 mg", "reduced_dose": "50 mg"}
    email = text("medication_pause", "email", aspirin)
    assert "Aspirin is usually not stopped" not in email
    assert "For aspirin, follow your doctor's instruction." in email


@pytest.mark.parametrize("locale", SHIPPED)
@pytest.mark.parametrize("message", [*MEDICATION, "medication_correction"])
def test_every_language_has_the_reduction_wording_with_the_dose_verbatim(
    locale: str, message: str
) -> None:
    for channel in ("sms", "email"):
        out = text(message, channel, REDUCE, locale=locale)
        if message != "medication_resume":
            assert "10 mg once a day" in out, (locale, message, channel)
        assert "With food" in out


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"reduce_from": None}, "medications[0].reduce_from"),
        ({"reduce_until": "2027-03-24"}, "medications[0].reduce_until"),
        ({"pause_from": "2027-03-25"}, "medications[0].pause_from"),
        ({"reduced_dose": "x" * 41}, "medications[0].reduced_dose"),
        ({"reduced_dose": "10 mg\nonce"}, "medications[0].reduced_dose"),
    ],
)
def test_a_bad_reduction_is_refused_naming_the_field(
    change: dict[str, str | None], field: str
) -> None:
    with pytest.raises(ValidationError) as info:
        make_appointment(procedure__start=START, medications=[{**REDUCE, **change}])
    assert info.value.field == field


def test_a_reduction_day_without_a_dose_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError) as info:
        make_appointment(
            procedure__start=START,
            medications=[{"name": "Rivaroxaban 20 mg", "reduce_from": "2027-03-25"}],
        )
    assert info.value.field == "medications[0].reduce_from"


def test_a_stored_pause_keeps_its_record_and_a_reduction_round_trips() -> None:
    appt = make_appointment(procedure__start=START, medications=[REDUCE, {"name": "Apixaban"}])
    data = appt.to_dict()
    assert set(data["medications"][1]) == {"name", "pause_from", "resume_on", "note"}
    again = type(appt).from_dict(data)
    assert again.medications[0] == Medication(
        "Rivaroxaban 20 mg",
        note="With food",
        reduced_dose="10 mg once a day",
        reduce_from=date(2027, 3, 25),
        reduce_until=date(2027, 3, 29),
    )


def test_a_correction_that_lifts_the_change_does_not_say_the_doctor_will_tell_when() -> None:
    lifted = {"name": "Rivaroxaban 20 mg", "note": ""}
    email = text("medication_correction", "email", lifted)
    assert "no longer asks you to pause Rivaroxaban 20 mg or to reduce its dose" in email
    assert "will tell you" not in email
    sms = text("medication_correction", "sms", lifted)
    assert "no longer asks you to pause it or to reduce its dose" in sms
    assert "will tell you" not in sms
