"""Right-to-left: Arabic email is marked rtl with its phone numbers, dates and times isolated;
Arabic SMS isolates them with counted Unicode isolates; Latin-script SMS never carries a bidi
control character, even when a name pasted by staff contains one."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from reminders.i18n import MESSAGE_KEYS, render
from reminders.i18n.bidi import FSI, LRI, PDI, clean
from reminders.i18n.segments import BIDI_CONTROLS, count, has_bidi_controls
from reminders.i18n.tools.samples import LONG, SAMPLE, ZONE
from tests.factories import LOCALES

LTR = ["en", "de", "es", "fr", "it", "pl", "pt_BR", "tr", "zh_Hans"]


@pytest.mark.parametrize("message", sorted(MESSAGE_KEYS))
def test_arabic_email_html_is_rtl_with_isolated_phone_time_and_date(message: str) -> None:
    out = render(message, "email", "ar", SAMPLE, ZONE, LOCALES)
    assert out.locale == "ar" and out.html
    assert '<html lang="ar" dir="rtl">' in out.html
    phone = f'<bdi dir="ltr" style="white-space: nowrap">{SAMPLE.clinic_phone}</bdi>'
    assert phone in out.html
    assert SAMPLE.clinic_phone not in out.html.replace(phone, "")
    assert out.html.count("<bdi") == out.html.count("</bdi>")
    # no isolate control characters inside the HTML body: they became elements
    body = out.html.split("<body", 1)[1]
    assert not has_bidi_controls(body)


def test_arabic_times_and_dates_are_isolated_in_html() -> None:
    out = render("day_before", "email", "ar", SAMPLE, ZONE, LOCALES)
    assert out.html is not None
    assert re.search(r"<bdi>\d{1,2}:\d{2}\s?[صم]</bdi>", out.html), out.html
    assert re.search(r"<bdi>[^<]*\d{1,2} [^<]+</bdi>", out.html)  # "الجمعة، 26 مارس"


def test_english_email_is_ltr_and_its_plain_text_has_no_isolates() -> None:
    out = render("day_before", "email", "en-US", SAMPLE, ZONE, LOCALES)
    assert out.html and '<html lang="en" dir="ltr">' in out.html
    assert not has_bidi_controls(out.text) and not has_bidi_controls(out.subject or "")


@pytest.mark.parametrize("locale", LTR)
@pytest.mark.parametrize("message", sorted(MESSAGE_KEYS))
def test_latin_and_chinese_sms_never_contain_bidi_controls(locale: str, message: str) -> None:
    assert LONG.medicine is not None
    sneaky = replace(
        LONG,
        clinic_name="Radiologie\u200f Nord\u2067",
        medicine=replace(LONG.medicine, name="Apixaban\u202e 5 mg", note="Half\u2066 dose"),
    )
    for facts in (SAMPLE, LONG, sneaky):
        out = render(message, "sms", locale, facts, ZONE, LOCALES)
        assert out.locale == locale
        assert not any(ch in BIDI_CONTROLS for ch in out.text), repr(out.text)


def test_a_bidi_mark_in_a_value_cannot_switch_an_english_sms_to_ucs2() -> None:
    facts = replace(SAMPLE, clinic_name="Riverside\u200e Radiology")
    out = render("day_before", "sms", "en", facts, ZONE, LOCALES)
    assert count(out.text).encoding == "GSM-7"


@pytest.mark.parametrize("message", sorted(MESSAGE_KEYS))
def test_arabic_sms_isolates_the_phone_and_latin_names_and_counts_them(message: str) -> None:
    out = render(message, "sms", "ar", LONG, ZONE, LOCALES)
    assert f"{LRI}{LONG.clinic_phone}{PDI}" in out.text
    assert f"{FSI}{LONG.clinic_name}{PDI}" in out.text
    assert out.text.count(PDI) == out.text.count(LRI) + out.text.count(FSI)
    # the isolates are part of what is counted and sent
    assert count(out.text).units == len(out.text.encode("utf-16-le")) // 2
    # The first strong letter outside the isolates is Arabic, so phones lay the SMS out RTL.
    outside = re.sub(f"[{FSI}{LRI}][^{PDI}]*{PDI}", "", out.text)
    first = next(ch for ch in outside if ch.isalpha())
    assert "\u0600" <= first <= "\u06ff"


def test_clean_removes_every_bidi_control() -> None:
    assert clean("a\u200eb\u200fc\u202ad\u202ee\u2066f\u2069") == "abcdef"
