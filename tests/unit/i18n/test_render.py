"""Rendering through the real gettext catalogs: every message in the source language, dates in
the patient's zone, and whole-message fallback when a catalog is partial or broken."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.messages.pofile import read_po

from reminders.i18n import MESSAGE_KEYS, Facts, render
from reminders.i18n import locales as loc
from reminders.i18n.messages import MESSAGES
from reminders.i18n.tools.tooling import pot_bytes
from reminders.model import Medication
from tests.factories import LOCALES

FACTS = Facts(
    patient_name="Maria Rossi",
    clinic_name="Riverside Radiology",
    clinic_phone="+49 30 1234567",
    place="Riverside Radiology, CT suite",
    address="Hauptstraße 1, 10115 Berlin",
    start=datetime(2027, 3, 27, 23, 30, tzinfo=UTC),
    end=datetime(2027, 3, 28, 0, 15, tzinfo=UTC),
    medicine=Medication("Apixaban 5 mg", date(2027, 3, 25), date(2027, 3, 29), "Half dose Monday"),
)
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.mark.parametrize("channel", ["sms", "email"])
@pytest.mark.parametrize("message", sorted(MESSAGE_KEYS))
def test_every_message_renders_in_english(message: str, channel: str) -> None:
    out = render(message, channel, "en", FACTS, BERLIN, LOCALES)
    assert out.locale == "en" and not out.fallbacks
    assert "{" not in out.text and "Riverside Radiology" in out.text + (out.subject or "")
    if channel == "email":
        assert out.subject and out.html and '<html lang="en" dir="ltr">' in out.html
    else:
        assert "\u202f" not in out.text and "\u00a0" not in out.text


def test_dates_are_the_patients_local_day_not_the_utc_day() -> None:
    # 23:30 UTC on Saturday is 00:30 on Sunday in Berlin.
    out = render("day_before", "email", "en", FACTS, BERLIN, LOCALES)
    assert "Sun, Mar 28" in out.text and "12:30" in out.text


def test_the_medication_message_relays_the_doctors_note_verbatim() -> None:
    out = render("medication_pause", "sms", "en", FACTS, BERLIN, LOCALES)
    assert "Doctor's note: Half dose Monday" in out.text
    assert "Change no other medicine without us and your doctor" in out.text


def write_catalog(root: Path, locale: str, entries: dict[tuple[str, str], str]) -> None:
    body = [
        f'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n'
        f'"Language: {locale}\\n"\n'
    ]
    for (ctx, msgid), msgstr in entries.items():
        body.append(f'msgctxt "{ctx}"\nmsgid "{msgid}"\nmsgstr "{msgstr}"\n')
    path = root / locale / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True)
    path.write_text("\n".join(body), encoding="utf-8")


RESUME_SMS = (
    "medication_resume.sms",
    "{clinic}: your doctor said you may restart {medicine} from today. Unsure about the dose? "
    "Ask your doctor or call {phone}",
)


def test_a_partial_catalog_falls_back_for_the_whole_message(tmp_path: Path) -> None:
    loc.clear_cache()
    write_catalog(
        tmp_path,
        "de",
        {
            RESUME_SMS: "{clinic}: Sie dürfen {medicine} ab heute wieder nehmen. Fragen: {phone}",
            ("medication.sms", "Doctor's note: {note}"): "Notiz Ihres Arztes: {note}",
        },
    )
    sms = render("medication_resume", "sms", "de-DE", FACTS, BERLIN, tmp_path)
    assert sms.locale == "de" and "wieder nehmen" in sms.text
    email = render("medication_resume", "email", "de-DE", FACTS, BERLIN, tmp_path)
    assert email.locale == "en" and "not translated" in email.fallbacks[0]
    assert "wieder" not in email.text  # never half German, half English


def test_a_renamed_placeholder_falls_back_instead_of_sending_a_broken_text(
    tmp_path: Path,
) -> None:
    loc.clear_cache()
    write_catalog(tmp_path, "de", {RESUME_SMS: "{clinic}: {medizin} ab heute. Fragen: {phone}"})
    out = render("medication_resume", "sms", "de", FACTS, BERLIN, tmp_path)
    assert out.locale == "en" and "placeholders differ" in out.fallbacks[0]
    assert "Apixaban 5 mg" in out.text


def test_locale_tags_are_resolved_in_any_common_spelling(tmp_path: Path) -> None:
    for name in ("pt", "pt_BR", "de"):
        (tmp_path / name / "LC_MESSAGES").mkdir(parents=True)
        (tmp_path / name / "LC_MESSAGES" / "messages.po").write_text('msgid ""\nmsgstr ""\n')
    assert loc.chain("PT-br", tmp_path) == ["pt_BR", "pt", "en"]
    assert loc.chain("pt_PT", tmp_path) == ["pt", "en"]
    assert loc.chain("xx-unknown", tmp_path, clinic_default="de") == ["de", "en"]


def test_every_message_has_a_translator_note() -> None:
    pot = pot_bytes().decode()
    entries = [e for e in pot.split("\n\n")[1:] if e.strip()]
    assert len(entries) > 40
    assert all("#. " in e for e in entries), [e for e in entries if "#. " not in e]


def test_the_committed_catalog_template_is_current() -> None:
    assert (LOCALES / "messages.pot").read_bytes() == pot_bytes()


# Catalog contexts shared by several messages, not messages of their own (the discreet SMS and
# the dose reductions' wording are rendered through the messages that use them).
SHARED_CONTEXTS = {"common", "medication", "medication_reduce", "discreet", "reply"}


def test_every_message_has_both_forms() -> None:
    """Every message renders a non-empty SMS and a whole email (subject, text and HTML) in
    English, and the messages are exactly those the catalog template has SMS and email
    entries for."""
    with io.BytesIO(pot_bytes()) as fh:
        contexts = {m.context for m in read_po(fh) if m.id and m.context}
    by_key: dict[str, set[str]] = {}
    for context in contexts:
        key, _, channel = context.partition(".")
        if key not in SHARED_CONTEXTS:
            by_key.setdefault(key, set()).add(channel)
    assert set(by_key) == set(MESSAGES) == set(MESSAGE_KEYS)
    assert all(channels == {"sms", "email"} for channels in by_key.values()), by_key
    for key, definition in MESSAGES.items():
        assert definition.key == key
        sms = render(key, "sms", "en", FACTS, BERLIN, LOCALES)
        assert (sms.channel, sms.locale, sms.fallbacks) == ("sms", "en", ())
        assert sms.text.strip() and sms.subject is None and sms.html is None, key
        mail = render(key, "email", "en", FACTS, BERLIN, LOCALES)
        assert (mail.channel, mail.locale, mail.fallbacks) == ("email", "en", ())
        assert mail.subject and mail.subject.strip(), key
        assert mail.text.strip() and FACTS.patient_name in mail.text, key
        assert mail.html and "<title>" in mail.html and "<p>" in mail.html, key
