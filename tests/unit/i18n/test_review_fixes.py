"""What the medical translator's review (../shared/research/content-review.md, section 2 and 3)
asked of the renderer: every Arabic SMS starts with RLM (and the mark never takes an SMS over its
budget), Chinese SMS have no space between sentences, a phone number in the HTML email never
wraps, and dates read as the language writes them (Turkish and Polish names in full in email,
Chinese "（周三）", Brazilian "1º")."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from reminders.i18n import MESSAGE_KEYS, Facts, render
from reminders.i18n.bidi import NOWRAP, RLM
from reminders.i18n.format import LocalFormat
from reminders.i18n.messages import Env
from reminders.i18n.render import _rtl_sms, join_unspaced
from reminders.i18n.replies import REPLY_KEYS, render_reply
from reminders.i18n.segments import count, segments
from reminders.i18n.tools.samples import LONG, SAMPLE, ZONE
from reminders.i18n.translator import Translator
from tests.factories import LOCALES

# --- Arabic SMS: RLM first ---------------------------------------------------------------------


@pytest.mark.parametrize("message", sorted(MESSAGE_KEYS))
def test_every_arabic_sms_starts_with_exactly_one_rlm(message: str) -> None:
    for facts in (SAMPLE, LONG):
        text = render(message, "sms", "ar", facts, ZONE, LOCALES).text
        assert text.startswith(RLM) and not text.startswith(RLM * 2), repr(text[:5])
        assert text.count(RLM) == 1


def test_every_arabic_answer_starts_with_rlm_and_no_latin_sms_has_one() -> None:
    for reply in sorted(REPLY_KEYS):
        ar = render_reply(reply, "ar", LOCALES, clinic_name="X", clinic_phone="+49 1").text
        de = render_reply(reply, "de", LOCALES, clinic_name="X", clinic_phone="+49 1").text
        assert ar.startswith(RLM) and RLM not in de
    assert RLM not in render("day_before", "sms", "en", SAMPLE, ZONE, LOCALES).text


def test_the_rlm_never_takes_an_arabic_medication_sms_over_its_budget() -> None:
    # Notes of every length around the point where the SMS fills its 5 segments: the message
    # decides on the note without the mark; the mark must never add a sixth segment.
    assert LONG.medicine is not None
    budget = 5  # a clinic's tighter budget: the crossing point comes at a short note
    seen_note = seen_pointer = False
    for n in range(1, 140):
        note = ("ب" * n)[:n]
        facts = replace(LONG, medicine=replace(LONG.medicine, note=note))
        text = render(
            "medication_pause", "sms", "ar", facts, ZONE, LOCALES, sms_segments=budget
        ).text
        assert segments(text) <= budget, (n, count(text))
        seen_note |= note in text
        seen_pointer |= note not in text
    assert seen_note and seen_pointer


def test_at_the_exact_budget_the_note_gives_way_to_the_pointer() -> None:
    env = Env(Translator("ar", None), LocalFormat("ar", ZONE), SAMPLE, sms_segments=5)

    def build(e: Env) -> str:  # 5 full segments with the note, fewer with the pointer
        return "ب" * 335 if e.sms_segments == 5 else "ج" * 100

    assert _rtl_sms(build, env) == RLM + "ج" * 100
    assert _rtl_sms(lambda e: "ب" * 334, env) == RLM + "ب" * 334  # it fits: untouched


# --- Chinese: no space between sentences ----------------------------------------------------


@pytest.mark.parametrize("message", sorted(MESSAGE_KEYS))
def test_chinese_sms_have_no_space_after_a_full_stop(message: str) -> None:
    for facts in (SAMPLE, LONG):
        text = render(message, "sms", "zh_Hans", facts, ZONE, LOCALES).text
        assert not re.search(r"[。！？；] ", text), text


def test_a_chinese_doctors_note_keeps_its_own_spaces() -> None:
    assert SAMPLE.medicine is not None
    note = "周一服用半片。 周二起照常。"
    facts = replace(SAMPLE, medicine=replace(SAMPLE.medicine, note=note))
    text = render("medication_pause", "sms", "zh_Hans", facts, ZONE, LOCALES).text
    assert note in text
    assert "请勿服用Apixaban 5 mg。您可以" in text


def test_join_unspaced_leaves_verbatim_values_as_written() -> None:
    assert join_unspaced("好。 好。 A。 B") == "好。好。A。B"
    assert join_unspaced("好。 备注：A。 B 未经。 好", ["A。 B"]) == "好。备注：A。 B 未经。好"


# --- HTML email: a phone number never wraps ---------------------------------------------


@pytest.mark.parametrize("locale", ["ar", "de", "zh_Hans"])
def test_the_phone_number_in_the_html_email_never_wraps(locale: str) -> None:
    out = render("day_before", "email", locale, LONG, ZONE, LOCALES)
    assert out.html is not None
    assert f'<bdi dir="ltr" style="{NOWRAP}">{LONG.clinic_phone}</bdi>' in out.html
    assert NOWRAP == "white-space: nowrap"


# --- dates ------------------------------------------------------------------------------------


def on(day: date) -> Facts:
    start = datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)
    return replace(SAMPLE, start=start, end=start + timedelta(minutes=45))


@pytest.mark.parametrize(
    ("locale", "email", "sms"),
    [
        ("tr", "29 Eylül Çarşamba", "29 Eyl Çar"),
        ("pl", "śr., 29 września", "śr., 29 wrz"),
        ("zh_Hans", "9月29日（周三）", "9月29日（周三）"),
        ("de", "Mi., 29. Sept.", "Mi., 29. Sept."),
    ],
)
def test_dates_read_as_the_language_writes_them(locale: str, email: str, sms: str) -> None:
    facts = on(date(2027, 9, 29))
    assert email in render("cancellation", "email", locale, facts, ZONE, LOCALES).text
    assert sms in render("cancellation", "sms", locale, facts, ZONE, LOCALES).text


def test_brazilian_portuguese_writes_the_first_of_the_month_as_an_ordinal() -> None:
    first, second = on(date(2027, 10, 1)), on(date(2027, 10, 2))
    for channel in ("sms", "email"):
        assert "1º de out." in render("cancellation", channel, "pt_BR", first, ZONE, LOCALES).text
        text = render("cancellation", channel, "pt_BR", second, ZONE, LOCALES).text
        assert "2 de out." in text and "º" not in text
