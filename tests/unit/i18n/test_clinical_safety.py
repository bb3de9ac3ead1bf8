"""What the medication and notice messages say, against the clinical review
(../shared/research/content-review.md): the doctor's instruction relayed, nothing invented,
nothing a patient can misread. One test per finding of issue 11; in the source language."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from reminders.i18n import MESSAGE_KEYS, render
from reminders.i18n.facts import facts_for, is_aspirin
from reminders.i18n.tools.samples import SAMPLE, long_variants
from reminders.model import Medication
from reminders.preview import preview
from reminders.schedule import ScheduleError, load
from reminders.schedule.loader import DEFAULTS_DIR
from tests.factories import LOCALES, SHIPPED, make_appointment

BERLIN = ZoneInfo("Europe/Berlin")
ON_THE_DAY = {"name": "Apixaban 5 mg", "pause_from": "2027-03-25", "resume_on": "2027-03-28"}
DAY_AFTER = {"name": "Apixaban 5 mg", "pause_from": "2027-03-25", "resume_on": "2027-03-29"}
NO_RESTART = {"name": "Apixaban 5 mg", "pause_from": "2027-03-25", "note": ""}
ASPIRIN = {"name": "ASS 100 mg", "pause_from": "2027-03-21", "resume_on": "2027-03-29"}


def text(message: str, channel: str, med: dict[str, str], *, locale: str = "en") -> str:
    appt = make_appointment(
        procedure__start="2027-03-28T13:00:00+02:00",
        patient__locale=locale,
        medications=[med],
    )
    out = render(message, channel, locale, facts_for(appt, 0), BERLIN, LOCALES)
    return out.text


SMS = ["medication_heads_up", "medication_pause", "medication_correction"]


@pytest.mark.parametrize("message", SMS)
def test_1_a_restart_on_the_injection_day_says_after_your_injection(message: str) -> None:
    sms = text(message, "sms", ON_THE_DAY)
    assert "You may restart it on Sun, Mar 28, after your injection." in sms


def test_1_the_restart_message_on_the_injection_day_says_after_the_injection() -> None:
    assert "restart Apixaban 5 mg today, after your injection" in text(
        "medication_resume", "sms", ON_THE_DAY
    )
    email = text("medication_resume", "email", ON_THE_DAY)
    assert "today, after your injection" in email
    assert "from today" not in email


@pytest.mark.parametrize("message", ["medication_heads_up", "medication_pause"])
def test_1_the_pause_emails_say_when_the_restart_is_and_that_it_is_after_the_injection(
    message: str,
) -> None:
    assert "restart Apixaban 5 mg on Sun, Mar 28, after your injection" in text(
        message, "email", ON_THE_DAY
    )
    assert "restart Apixaban 5 mg on Mon, Mar 29." in text(message, "email", DAY_AFTER)


def test_2_every_patient_gets_the_blood_thinner_warning_by_sms() -> None:
    appt = make_appointment(medications=[], patient__email=None, patient__locale="en")
    sms = render(
        "booking_confirmation", "sms", "en", facts_for(appt), BERLIN, LOCALES, sms_segments=4
    ).text
    assert "On blood thinners? Do not stop them unless we and your doctor tell you to." in sms


@pytest.mark.parametrize("message", SMS)
def test_3_a_pause_without_a_restart_day_says_the_doctor_will_tell_when(message: str) -> None:
    assert "Your doctor will tell you when to restart it." in text(message, "sms", NO_RESTART)


def test_3_the_correction_email_without_a_restart_day_says_the_doctor_will_tell_when() -> None:
    assert "Your doctor will tell you when you may take Apixaban 5 mg again." in text(
        "medication_correction", "email", NO_RESTART
    )


def test_4_the_restart_email_invents_no_dose_instruction() -> None:
    email = text("medication_resume", "email", DAY_AFTER)
    assert "as before" not in email
    assert "Your doctor said you may restart Apixaban 5 mg from today." in email


def test_5_a_cancellation_says_the_medicine_instructions_no_longer_apply() -> None:
    appt = make_appointment(patient__locale="en")
    for channel in ("sms", "email"):
        out = render("cancellation", channel, "en", facts_for(appt), BERLIN, LOCALES).text
        assert "no longer apply" in out
        assert "before restarting or changing" in out


def test_5_a_reschedule_says_the_earlier_medicine_dates_no_longer_apply() -> None:
    appt = make_appointment(patient__locale="en")
    sms = render("reschedule", "sms", "en", facts_for(appt), BERLIN, LOCALES).text
    assert "The earlier medicine dates no longer apply; new ones will follow." in sms
    assert "Change no medicine without us and your doctor." in sms


@pytest.mark.parametrize("message", ["medication_heads_up", "medication_pause"])
def test_7_a_paused_aspirin_is_never_contradicted(message: str) -> None:
    email = text(message, "email", ASPIRIN)
    assert "Aspirin is usually not stopped" not in email
    assert "For aspirin, follow your doctor's instruction." in email
    assert "Aspirin is usually not stopped" in text(message, "email", DAY_AFTER)


@pytest.mark.parametrize(
    ("name", "aspirin"),
    [
        ("Aspirin 100 mg", True),
        ("ASS 100", True),
        ("Acetylsalicylsäure 100 mg", True),
        ("ASA 81 mg", True),
        ("Aspirin-Cardio", True),
        ("阿司匹林肠溶片", True),
        ("Kwas acetylosalicylowy", True),
        ("Apixaban 5 mg", False),
        ("Clopidogrel 75 mg", False),
        ("Glasses", False),
    ],
)
def test_7_aspirin_is_recognised_as_doctors_write_it(name: str, aspirin: bool) -> None:
    assert is_aspirin(Medication(name, pause_from=date(2027, 3, 25))) is aspirin


def test_the_timeline_of_a_restart_on_the_injection_day_is_safe_from_end_to_end() -> None:
    # plan + render, as `reminders preview` shows it: no restart text before the injection ends,
    # unless it says "after your injection".
    appt = make_appointment(
        procedure__start="2027-03-28T13:00:00+02:00", medications=[ON_THE_DAY],
        patient__locale="en",
    )  # fmt: skip
    schedule = load(DEFAULTS_DIR / "epidural_steroid_injection.toml")
    items = preview(appt, schedule, datetime(2027, 3, 20, 10, tzinfo=UTC), LOCALES)
    assert any(i.reminder.rule == "medication_resume" for i in items)
    for item in items:
        if "restart" in item.body and "after your injection" not in item.body:
            assert item.reminder.due_at > appt.procedure.end, item.reminder.rule


NOTE_160 = (
    "Letzte Dosis am Sonntagabend, dann Pause bis nach der Injektion. Neustart mit einer halben "
    "Tablette am Donnerstag, ab Freitag wieder die volle Dosis wie gewohnt."
)[:160]
NOTE_160_UCS2 = "„" + NOTE_160[1:]  # one character outside GSM-7 makes the whole SMS UCS-2


@pytest.mark.parametrize("locale", ["en", *SHIPPED])
@pytest.mark.parametrize("message", [*SMS, "medication_resume"])
@pytest.mark.parametrize("note", [NOTE_160, NOTE_160_UCS2])
def test_8_a_note_the_api_accepts_reaches_the_patient_whole_by_sms(
    locale: str, message: str, note: str
) -> None:
    assert len(note) == 160  # the API's limit (api/schemas.py)
    schedule = load(DEFAULTS_DIR / "epidural_steroid_injection.toml")
    budget = schedule.rule(message).sms_segments if message != "medication_correction" else None
    for variant in long_variants():  # pauses and dose reductions, every weekday, long names
        if variant.discreet:
            continue
        facts = replace(variant, medicine=replace(variant.medicine, note=note))  # type: ignore[arg-type]
        out = render(message, "sms", locale, facts, BERLIN, LOCALES, sms_segments=budget)
        assert out.locale == locale
        assert note in out.text, (facts.start, facts.medicine)


def test_8_no_sms_points_to_an_email_the_patient_does_not_get() -> None:
    long_note = "x" * 150
    facts = replace(SAMPLE, medicine=replace(SAMPLE.medicine, note=long_note))  # type: ignore[arg-type]
    tight = render("medication_pause", "sms", "en", facts, BERLIN, LOCALES, sms_segments=2).text
    assert "see our email" in tight
    no_email = replace(facts, has_email=False)
    sms = render("medication_pause", "sms", "en", no_email, BERLIN, LOCALES, sms_segments=2).text
    assert "email" not in sms and "Your doctor left a note: please call us." in sms


def test_6_by_default_nothing_is_said_that_the_clinics_text_does_not_say() -> None:
    appt = make_appointment(patient__locale="en")
    for message in ("next_day", "after_procedure"):
        for channel in ("sms", "email"):
            out = render(message, channel, "en", facts_for(appt), BERLIN, LOCALES).text
            assert "urgent" not in out and "has not gone by" not in out, (message, channel)
    email = render("next_day", "email", "en", facts_for(appt), BERLIN, LOCALES).text
    assert "Local anaesthetics and contrast media can cause allergic reactions." in email


@pytest.mark.parametrize("locale", ["en", *SHIPPED])
def test_6_a_clinic_switches_an_approved_optional_sentence_on_in_its_schedule(
    locale: str, tmp_path: Path
) -> None:
    shipped = (DEFAULTS_DIR / "epidural_steroid_injection.toml").read_text(encoding="utf-8")
    own = shipped.replace(
        'key = "next_day"\nmessage = "next_day"\n',
        'key = "next_day"\nmessage = "next_day"\noptional = ["urgent_help"]\n',
    )
    assert own != shipped
    path = tmp_path / "epidural_steroid_injection.toml"
    path.write_text(own, encoding="utf-8")
    rule = load(path, MESSAGE_KEYS).rule("next_day")
    assert rule.optional == ("urgent_help",)
    appt = make_appointment(patient__locale=locale)
    plain = render("next_day", "sms", locale, facts_for(appt), BERLIN, LOCALES)
    more = render(
        "next_day", "sms", locale, facts_for(appt), BERLIN, LOCALES,
        optional=frozenset(rule.optional),
    )  # fmt: skip
    assert more.locale == plain.locale == locale
    assert len(more.text) > len(plain.text)


def test_6_an_optional_sentence_the_message_does_not_have_is_refused_naming_the_field(
    tmp_path: Path,
) -> None:
    shipped = (DEFAULTS_DIR / "epidural_steroid_injection.toml").read_text(encoding="utf-8")
    path = tmp_path / "epidural_steroid_injection.toml"
    path.write_text(
        shipped.replace(
            'key = "next_day"\nmessage = "next_day"\n',
            'key = "next_day"\nmessage = "next_day"\noptional = ["call_an_ambulance"]\n',
        ),
        encoding="utf-8",
    )
    with pytest.raises(ScheduleError) as info:
        load(path, MESSAGE_KEYS)
    assert (info.value.rule, info.value.field) == ("next_day", "optional")
    assert "urgent_help" in str(info.value)
