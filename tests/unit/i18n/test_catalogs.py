"""The shipped catalogs: every message renders in every language without fallback, every SMS
stays within its budget with long values, the catalogs are valid, and a broken one is caught by
`reminders i18n check` and never sent."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import replace
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from reminders.cli import main
from reminders.i18n import MESSAGE_KEYS, render
from reminders.i18n import locales as loc
from reminders.i18n.messages import MESSAGES
from reminders.i18n.segments import count
from reminders.i18n.tools import qa, tooling
from reminders.i18n.tools.samples import LONG, SAMPLE, ZONE, long_variants
from reminders.model import NOTE_MAX_CHARS
from tests.factories import BROKEN_LOCALES, LOCALES, SHIPPED

BROKEN = BROKEN_LOCALES


def test_the_shipped_languages_are_the_ones_promised() -> None:
    assert loc.available(LOCALES) == SHIPPED


@pytest.mark.parametrize("locale", ["en", *SHIPPED])
@pytest.mark.parametrize("message", sorted(MESSAGE_KEYS))
def test_every_message_renders_in_every_language_without_fallback(
    message: str, locale: str
) -> None:
    for facts in (SAMPLE, LONG):
        sms = render(message, "sms", locale, facts, ZONE, LOCALES)
        mail = render(message, "email", locale, facts, ZONE, LOCALES)
        for out in (sms, mail):
            assert out.locale == locale and not out.fallbacks, out.fallbacks
            body = out.text + (out.subject or "")
            assert "{" not in body and "}" not in body
            assert ".." not in body.replace("...", "")
        assert facts.clinic_phone in sms.text
        assert mail.subject and mail.html
        assert facts.patient_name in mail.text


@pytest.mark.parametrize("locale", ["en", *SHIPPED])
def test_every_sms_fits_its_budget_with_long_values(locale: str) -> None:
    rules = qa.rule_budgets()
    for message in sorted(MESSAGE_KEYS):
        budget = qa.budget_for(message, rules)
        for facts in long_variants():
            out = render(message, "sms", locale, facts, ZONE, LOCALES, sms_segments=budget)
            assert out.locale == locale
            assert count(out.text).segments <= budget, (message, count(out.text), out.text)


def test_only_the_medication_messages_need_more_than_the_rules_give() -> None:
    rules = qa.rule_budgets()
    assert rules  # the shipped schedule was read
    over = {k for k in MESSAGES if k in rules and rules[k] < MESSAGES[k].sms_segments}
    assert over <= {"medication_heads_up", "medication_pause", "medication_resume"}
    # Staff notices are not in the schedule: they get the budget their wording is written for.
    assert all(
        qa.budget_for(k, rules) == MESSAGES[k].sms_segments for k in ("cancellation", "reschedule")
    )


@pytest.mark.parametrize("locale", SHIPPED)
def test_catalog_headers_name_the_language_plural_forms_and_review_status(locale: str) -> None:
    with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        cat = read_po(fh)
    headers = dict(cat.mime_headers)
    assert headers["Language"] == locale
    assert "qualified medical translator" in qa.review_status(cat)


@pytest.mark.parametrize("locale", SHIPPED)
def test_each_catalog_has_its_languages_plural_rules_in_the_installed_babel(locale: str) -> None:
    with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        cat = read_po(fh)
    rules = get_plural(locale)
    assert dict(cat.mime_headers)["Plural-Forms"] == rules.plural_forms
    plurals = [m for m in cat if isinstance(m.id, tuple) and m.id]
    assert plurals
    for m in plurals:
        assert len(m.string) == rules.num_plurals, m.id[0]
        assert all(form.strip() for form in m.string), f"{locale}: an empty form of {m.id[0]!r}"


def test_update_refreshes_the_plural_rules_and_marks_entries_with_a_new_form_fuzzy(
    tmp_path: Path,
) -> None:
    shutil.copytree(LOCALES, tmp_path / "locales")
    po = tmp_path / "locales" / "es" / "LC_MESSAGES" / "messages.po"
    rules = get_plural("es")
    text = po.read_text(encoding="utf-8")
    # As written by a Babel whose CLDR data gave Spanish two forms.
    old = re.sub(r"msgstr\[1\] .*?(?=msgstr\[2\])", "", text, flags=re.S).replace(
        f'"Plural-Forms: {rules.plural_forms}\\n"',
        '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"',
    )
    assert "nplurals=2" in old and "msgstr[1]" not in old
    po.write_text(old, encoding="utf-8")
    tooling.update(tmp_path / "locales")
    with po.open("rb") as fh:
        cat = read_po(fh)
    assert dict(cat.mime_headers)["Plural-Forms"] == rules.plural_forms
    plurals = [m for m in cat if isinstance(m.id, tuple) and m.id]
    assert plurals and all(m.fuzzy and len(m.string) == rules.num_plurals for m in plurals)
    assert not qa.check(tmp_path / "locales", pot_dir=LOCALES).ok  # a translator must look


def test_the_template_is_not_stale_for_another_babel_or_another_day(tmp_path: Path) -> None:
    pot = (LOCALES / "messages.pot").read_text(encoding="utf-8")
    volatile = {"Generated-By": "Babel 9.9.9", "POT-Creation-Date": "2031-05-05 10:00+0000"}
    elsewhere = pot
    for header, value in volatile.items():
        elsewhere = re.sub(
            rf'"{header}: [^"]*"', lambda _, h=header, v=value: f'"{h}: {v}\\n"', elsewhere
        )
    assert elsewhere != pot
    (tmp_path / "messages.pot").write_text(elsewhere, encoding="utf-8")
    assert not tooling.pot_is_stale(tmp_path)
    (tmp_path / "messages.pot").write_text(elsewhere.replace("Dear {name},", "Hi {name},"), "utf-8")
    assert tooling.pot_is_stale(tmp_path)


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="GNU msgfmt is not installed")
@pytest.mark.parametrize("locale", SHIPPED)
def test_msgfmt_accepts_every_shipped_catalog(locale: str) -> None:
    po = LOCALES / locale / "LC_MESSAGES" / "messages.po"
    proc = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(po)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr


def test_the_check_passes_on_the_shipped_catalogs() -> None:
    report = qa.check(LOCALES)
    assert report.ok, "\n".join(map(str, report.problems))
    assert len(report.notes) == len(SHIPPED)


def test_stats_count_every_entry_and_show_the_review_status() -> None:
    rows = {s.locale: s for s in qa.stats(LOCALES)}
    total = rows["en"].translated
    assert total > 40
    for locale in SHIPPED:
        s = rows[locale]
        assert (s.translated, s.fuzzy, s.missing) == (total, 0, 0)
        assert "review" in s.review
    assert rows["ar"].direction == "rtl"


# --- a deliberately broken catalog ----------------------------------------------------------

BROKEN_PO = BROKEN / "es" / "LC_MESSAGES" / "messages.po"


def line_of(text: str) -> int:
    """The line of the first msgid line containing ``text`` in the broken fixture."""
    for i, line in enumerate(BROKEN_PO.read_text(encoding="utf-8").splitlines(), start=1):
        if text in line and i > 1:
            # the msgid starts at the `msgid` keyword line (a multi-line one on the line before)
            lines = BROKEN_PO.read_text(encoding="utf-8").splitlines()
            j = i
            while not lines[j - 1].startswith("msgid"):
                j -= 1
            return j
    raise AssertionError(text)


def problems_at(report: qa.Report, snippet: str) -> list[qa.Problem]:
    return [p for p in report.problems if snippet in p.msgid]


def test_the_check_names_locale_file_line_and_msgid_of_each_broken_entry() -> None:
    report = qa.check(BROKEN, pot_dir=LOCALES)
    assert not report.ok
    renamed = problems_at(report, "{clinic}: your injection on {date} at {time} is cancelled")
    dropped = problems_at(report, "Your injection on {date} at {time} has been cancelled.")
    fuzzy = problems_at(report, "Cancelled: your appointment on {date}")
    empty = problems_at(report, "Dear {name},")
    for found, line, kinds in (
        (renamed, line_of("{clinic}: your injection on {date}"), {"msgfmt", "placeholders"}),
        (dropped, line_of("Your injection on {date} at {time} has"), {"msgfmt", "placeholders"}),
        (fuzzy, line_of("Cancelled: your appointment"), {"fuzzy"}),
        (empty, line_of('"Dear {name},"'), {"untranslated"}),
    ):
        assert {p.message.split(":")[0].split()[0] for p in found} >= kinds, found
        assert all(p.locale == "es" and p.file == BROKEN_PO and p.line == line for p in found)
    text = str(next(p for p in dropped if p.message.startswith("placeholders")))
    assert text.startswith(f"{BROKEN_PO}:{line_of('Your injection on {date} at {time} has')}: [es]")
    assert "msgid 'Your injection on {date} at {time} has been cancelled.'" in text
    assert "missing ['date']" in text


def test_without_msgfmt_the_check_falls_back_to_babel_and_still_catches_placeholders(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(qa.shutil, "which", lambda name: None)
    report = qa.check(BROKEN, pot_dir=LOCALES)
    assert report.notes == ["es: babel (msgfmt not installed)"]
    assert problems_at(report, "{clinic}: your injection on {date} at {time} is cancelled")
    assert qa.check(LOCALES).ok


def test_the_check_command_exits_1_on_the_broken_catalog() -> None:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(["i18n", "check", "--locales-dir", str(BROKEN)])
    assert code == 1
    assert re.search(r"messages\.po:\d+: \[es\] msgid '\{clinic\}: your injection", err.getvalue())
    assert "{hora}" not in out.getvalue()


def test_the_check_command_passes_on_the_shipped_catalogs() -> None:
    out = io.StringIO()
    with redirect_stdout(out), redirect_stderr(io.StringIO()):
        assert main(["i18n", "check"]) == 0
    assert "raise sms_segments" not in out.getvalue()  # the schedule's budgets fit the texts


def test_a_broken_catalog_falls_back_safely_at_render_time() -> None:
    sms = render("cancellation", "sms", "es-ES", SAMPLE, ZONE, BROKEN, clinic_default="en")
    assert sms.locale == "en" and "placeholders differ" in sms.fallbacks[0]
    assert "hora" not in sms.text and "Questions" in sms.text
    mail = render("cancellation", "email", "es", SAMPLE, ZONE, BROKEN, clinic_default="en")
    assert mail.locale == "en" and mail.fallbacks  # never a half-Spanish email


def test_a_stale_template_is_reported(tmp_path: Path) -> None:
    (tmp_path / "messages.pot").write_text('msgid ""\nmsgstr ""\n', encoding="utf-8")
    report = qa.check(tmp_path)
    assert any(p.file.name == "messages.pot" and "stale" in p.message for p in report.problems)


# --- medication SMS: the doctor's note ----------------------------------------------------------


@pytest.mark.parametrize("locale", ["en", *SHIPPED])
def test_a_short_doctors_note_travels_verbatim_in_the_sms(locale: str) -> None:
    assert SAMPLE.medicine is not None
    for message in ("medication_heads_up", "medication_pause", "medication_resume"):
        out = render(message, "sms", locale, SAMPLE, ZONE, LOCALES)
        assert SAMPLE.medicine.note in out.text


@pytest.mark.parametrize("locale", ["en", "pl", "ar"])
def test_a_note_too_long_for_the_sms_is_pointed_to_never_shortened(locale: str) -> None:
    assert LONG.medicine is not None
    note = ("Take the last dose on Sunday evening, then none until your doctor calls. " * 3)[
        :NOTE_MAX_CHARS
    ].strip()
    facts = replace(LONG, medicine=replace(LONG.medicine, note=note))
    # A clinic's schedule may give the rule fewer segments than the message is written for.
    sms = render("medication_pause", "sms", locale, facts, ZONE, LOCALES, sms_segments=5)
    if locale == "en":  # GSM-7: 5 segments hold even the longest note
        assert note in sms.text
    else:
        assert note[:40] not in sms.text and "e-mail" in sms.text.replace("البريد", "e-mail")
    assert count(sms.text).segments <= 5
    mail = render("medication_pause", "email", locale, facts, ZONE, LOCALES)
    assert note in mail.text


def test_the_hours_use_the_plural_form_for_24() -> None:
    ar = render("after_procedure", "sms", "ar", SAMPLE, ZONE, LOCALES).text
    pl = render("after_procedure", "sms", "pl", SAMPLE, ZONE, LOCALES).text
    de = render("escort", "sms", "de", SAMPLE, ZONE, LOCALES).text
    assert "24 ساعة" in ar and "24 godzin" in pl and "24 Stunden" in de
