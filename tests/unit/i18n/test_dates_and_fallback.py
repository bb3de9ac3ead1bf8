"""Dates in the patient's own day across DST changes and midnight, the clock each language uses,
and the locale chain: any spelling of a tag, partial catalogs, unknown tags."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date, format_skeleton, format_time

from reminders.i18n import Facts, render
from reminders.i18n import locales as loc
from reminders.i18n.tools.samples import SAMPLE
from tests.factories import LOCALES


def at(start: datetime) -> Facts:
    return replace(SAMPLE, start=start, end=start + timedelta(minutes=45))


# (UTC instant, zone): both sides of the US (2026-03-08) and EU (2026-03-29) changes, Brazil
# (no DST), and instants whose UTC day differs from the local day.
CASES = [
    (datetime(2026, 3, 8, 6, 30, tzinfo=UTC), "America/New_York"),  # 01:30 EST, before
    (datetime(2026, 3, 8, 7, 30, tzinfo=UTC), "America/New_York"),  # 03:30 EDT, after
    (datetime(2026, 3, 9, 2, 0, tzinfo=UTC), "America/New_York"),  # still Sunday the 8th
    (datetime(2026, 3, 29, 0, 30, tzinfo=UTC), "Europe/Berlin"),  # 01:30 CET
    (datetime(2026, 3, 29, 1, 30, tzinfo=UTC), "Europe/Berlin"),  # 03:30 CEST
    (datetime(2026, 3, 28, 23, 30, tzinfo=UTC), "Europe/Berlin"),  # already Sunday locally
    (datetime(2026, 10, 25, 0, 30, tzinfo=UTC), "Europe/Warsaw"),  # autumn change
    (datetime(2026, 3, 10, 2, 30, tzinfo=UTC), "America/Sao_Paulo"),  # 23:30 the day before
    (datetime(2026, 3, 10, 21, 30, tzinfo=UTC), "Asia/Shanghai"),  # 05:30 the next day
    (datetime(2026, 3, 10, 21, 30, tzinfo=UTC), "Asia/Riyadh"),  # 00:30 the next day
]
LANGS = {
    "America/New_York": ["en_US", "es"],
    "Europe/Berlin": ["de", "tr", "ar"],
    "Europe/Warsaw": ["pl", "fr"],
    "America/Sao_Paulo": ["pt_BR", "it"],
    "Asia/Shanghai": ["zh_Hans"],
    "Asia/Riyadh": ["ar"],
}


# An email's date: CLDR's short one, or the names written out where the short one is cryptic
# (see reminders/i18n/format.py).
EMAIL_DAY = {"tr": "d MMMM EEEE", "pl": "EEE, d MMMM", "zh_Hans": "M月d日（E）"}


def email_day(day: date, lang: str) -> str:
    if lang in EMAIL_DAY:
        return format_date(day, EMAIL_DAY[lang], locale=lang)
    return format_skeleton("MMMEd", day, locale=lang)


@pytest.mark.parametrize(("instant", "zone"), CASES)
def test_the_date_and_time_are_the_patients_local_ones(instant: datetime, zone: str) -> None:
    tz = ZoneInfo(zone)
    local = instant.astimezone(tz)
    for lang in LANGS[zone]:
        out = render("cancellation", "email", lang, at(instant), tz, LOCALES)
        assert out.locale == lang.split("_US")[0] and not out.fallbacks
        day = email_day(local.date(), lang)
        assert day in out.text, (lang, day, out.text)
        hhmm = format_time(local, "short", tzinfo=tz, locale=lang)
        assert hhmm in out.text, (lang, hhmm, out.text)
        utc_day = email_day(instant.date(), lang)
        if instant.date() != local.date():
            assert utc_day not in out.text


def test_english_in_the_us_uses_a_12_hour_clock_and_german_a_24_hour_one() -> None:
    nine = replace(SAMPLE, start=datetime(2027, 3, 26, 8, 0, tzinfo=UTC))  # 09:00 in Berlin
    berlin = ZoneInfo("Europe/Berlin")
    en = render("day_before", "sms", "en-US", nine, berlin, LOCALES)
    de = render("day_before", "sms", "de-DE", nine, berlin, LOCALES)
    assert "9:00 AM" in en.text and "09:00" not in en.text
    assert "09:00" in de.text and "AM" not in de.text
    for lang in ("fr", "it", "pl", "tr", "pt_BR", "zh_Hans"):
        assert "09:00" in render("day_before", "sms", lang, nine, berlin, LOCALES).text


def test_the_no_driving_time_is_24_hours_after_the_end_in_local_time_across_dst() -> None:
    # Ends 01:15 CET on the EU change night; 24 elapsed hours later it is 02:15 CEST.
    end = datetime(2026, 3, 29, 0, 15, tzinfo=UTC)
    facts = replace(SAMPLE, start=end - timedelta(minutes=45), end=end)
    out = render("after_procedure", "sms", "de", facts, ZoneInfo("Europe/Berlin"), LOCALES)
    assert "Mo., 30. März, 02:15" in out.text


# --- the chain ---------------------------------------------------------------------------------


def write_catalog(root: Path, locale: str, entries: dict[tuple[str, str], str]) -> None:
    header = '"Content-Type: text/plain; charset=UTF-8\\n"\n'
    body = [f'msgid ""\nmsgstr ""\n{header}"Language: {locale}\\n"\n']
    for (ctx, msgid), msgstr in entries.items():
        body.append(f'msgctxt "{ctx}"\nmsgid "{msgid}"\nmsgstr "{msgstr}"\n')
    path = root / locale / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(body), encoding="utf-8")


SUBJECT = ("escort.email", "Please arrange a ride home")


@pytest.mark.parametrize("tag", ["pt-BR", "pt_BR", "PT-br", "pt_br", "pt-Latn-BR"])
def test_any_spelling_of_a_tag_finds_the_catalog(tag: str) -> None:
    assert loc.chain(tag, LOCALES)[0] == "pt_BR"


@pytest.mark.parametrize("tag", ["zh-CN", "zh-Hans-CN", "zh_CN", "zh-Hans", "zh", "zh-SG"])
def test_simplified_chinese_tags_resolve_to_zh_hans(tag: str) -> None:
    assert loc.chain(tag, LOCALES)[0] == "zh_Hans"


@pytest.mark.parametrize("tag", ["zh-TW", "zh-HK", "zh-Hant"])
def test_traditional_chinese_does_not_get_simplified(tag: str) -> None:
    assert "zh_Hans" not in loc.chain(tag, LOCALES, clinic_default="de")


def test_pt_br_falls_back_to_pt_then_english_with_partial_catalogs(tmp_path: Path) -> None:
    write_catalog(tmp_path, "pt", {SUBJECT: "Combine a sua volta para casa"})
    write_catalog(tmp_path, "pt_BR", {("escort.email", "Dear {name},"): "x"})
    assert loc.chain("pt-BR", tmp_path) == ["pt_BR", "pt", "en"]
    # pt_BR lacks the escort email: the whole email comes from the next catalog that has it
    # all, and each skipped one is recorded.
    out = render("escort", "email", "pt-BR", SAMPLE, ZoneInfo("Europe/Lisbon"), tmp_path)
    assert out.locale == "en"
    assert [f.split(":")[0] for f in out.fallbacks] == ["pt_BR", "pt"]


def test_an_unknown_tag_gets_the_clinic_default(tmp_path: Path) -> None:
    for tag in ("xx", "klingon", "", "i-default", "x-private"):
        assert loc.chain(tag, LOCALES, clinic_default="de") == ["de", "en"]
    out = render("escort", "sms", "xx-unknown", SAMPLE, ZoneInfo("Europe/Berlin"), LOCALES, "de")
    assert out.locale == "de" and "Begleitung" in out.text


def test_a_language_without_its_own_catalog_takes_a_same_script_variant() -> None:
    assert loc.chain("pt-PT", LOCALES, clinic_default="de")[0] == "pt_BR"
    assert loc.chain("de-AT", LOCALES)[0] == "de"
    assert loc.chain("es-MX", LOCALES)[0] == "es"
    assert loc.chain("ar-EG", LOCALES)[0] == "ar"
