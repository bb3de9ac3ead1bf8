"""The glossaries (locales/<ll>/glossary.toml): `reminders i18n check` fails when a translation
drops the approved word for blood thinners, local anaesthetics or contrast media, or when a
wording the medical translator's review removed comes back. Each error names the catalog, the
entry's line, msgctxt and msgid, the term and the glossary."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from reminders.cli import main
from reminders.i18n.tools import qa
from tests.factories import LOCALES, SHIPPED

HEADS_UP_EMAIL = (
    "As your doctor instructed for your injection, today is the last day you take {medicine}. "
    "Do not take it from {pause_date}."
)
BOOKING_SMS = (
    "{clinic}: your injection is booked for {date} at {time}. No driving for {n} hour afterwards: "
    "please arrange an escort home. On blood thinners? Do not stop them unless we and your doctor "
    "tell you to. Questions: {phone}"
)
AFTER_SMS = (
    "{clinic}: do not drive or cycle until {until}. Leg numbness or weakness usually goes within "
    "{n} hour. Questions: {phone}"
)


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    shutil.copytree(LOCALES, tmp_path / "locales", ignore=shutil.ignore_patterns("*.mo"))
    return tmp_path / "locales"


def po_of(locales: Path, locale: str) -> Path:
    return locales / locale / "LC_MESSAGES" / "messages.po"


def edit(po: Path, context: str, msgid: str, change: Callable[[str], str]) -> int:
    """Rewrite every form of one entry with ``change(form)``; the entry's line."""
    with po.open("rb") as fh:
        cat = read_po(fh)
    m = cat.get(msgid, context=context)
    assert m is not None, msgid
    if isinstance(m.string, (tuple, list)):
        m.string = tuple(change(s) for s in m.string)
    else:
        m.string = change(m.string or "")
    buf = io.BytesIO()
    write_po(buf, cat, width=100, ignore_obsolete=True, sort_by_file=True)
    po.write_bytes(buf.getvalue())
    with po.open("rb") as fh:
        found = read_po(fh).get(msgid, context=context)
    assert found is not None and found.lineno is not None
    return found.lineno


def glossary_problems(locales: Path, locale: str) -> list[qa.Problem]:
    po = po_of(locales, locale)
    cat = qa.read(po)
    assert cat is not None
    return qa.glossary_problems(
        po, locale, cat, qa.load_glossary(qa.glossary_path(locales, locale))
    )


@pytest.mark.parametrize("locale", SHIPPED)
def test_every_language_has_a_glossary_with_the_three_terms_and_its_catalog_keeps_it(
    locale: str,
) -> None:
    glossary = qa.load_glossary(qa.glossary_path(LOCALES, locale))
    sources = {s for r in glossary.required for s in r.source}
    assert {"blood thinner", "local anaesthetic", "contrast media"} <= sources
    assert glossary.forbidden
    assert glossary_problems(LOCALES, locale) == []


def test_a_forbidden_term_put_back_fails_the_check_naming_file_entry_and_term(
    locales: Path,
) -> None:
    po = po_of(locales, "de")
    line = edit(
        po,
        "medication_heads_up.email",
        HEADS_UP_EMAIL,
        lambda s: (
            "Wie von Ihrem Arzt angeordnet, nehmen Sie {medicine} heute zum letzten Mal ein. "
            "Ab {pause_date} nehmen Sie es bitte nicht mehr ein."
        ),
    )
    report = qa.check(locales, pot_dir=LOCALES)
    (problem,) = report.problems
    assert (problem.locale, problem.file, problem.line, problem.msgid) == (
        "de",
        po,
        line,
        HEADS_UP_EMAIL,
    )
    text = str(problem)
    assert text.startswith(f"{po}:{line}: [de] msgid 'As your doctor instructed")
    assert "de/glossary.toml" in text and "[medication_heads_up.email]" in text
    assert "'zum letzten Mal'" in text


def test_a_required_term_missing_fails_the_check(locales: Path) -> None:
    po = po_of(locales, "es")
    line = edit(
        po, "booking_confirmation.sms", BOOKING_SMS, lambda s: s.replace(" o antiagregantes", "")
    )
    found = glossary_problems(locales, "es")
    assert [(p.line, p.msgid) for p in found] == [(line, BOOKING_SMS)]
    assert "[booking_confirmation.sms] names 'blood thinner'" in found[0].message
    assert "'antiagregantes'" in found[0].message
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        assert main(["i18n", "check", "--locales-dir", str(locales)]) == 1
    assert "use the approved term 'antiagregantes'" in err.getvalue()


def test_arabic_narcotics_come_back_without_the_shadda_too(locales: Path) -> None:
    po = po_of(locales, "ar")
    allergy = (
        "If you are allergic to local anaesthetics or to contrast media, please tell us before "
        "your appointment."
    )
    edit(
        po, "booking_confirmation.email", allergy, lambda s: s.replace("أدوية التخدير", "المخدرات")
    )
    messages = [p.message for p in glossary_problems(locales, "ar")]
    assert any("forbidden 'المخدّرات'" in m for m in messages), messages
    assert any("approved term" in m for m in messages)  # and the approved word is gone


def test_a_forbidden_pair_needs_both_words(locales: Path) -> None:
    po = po_of(locales, "pl")
    edit(po, "after_procedure.sms", AFTER_SMS, lambda s: s.replace("jeździć rowerem", "roweru"))
    assert any(
        "'roweru' together with 'prowadzić'" in p.message for p in glossary_problems(locales, "pl")
    )
    edit(
        po, "after_procedure.sms", AFTER_SMS, lambda s: s.replace("nie prowadzić samochodu", "nie")
    )
    assert glossary_problems(locales, "pl") == []  # "roweru" alone is no error


def test_a_forbidden_term_can_be_limited_to_some_messages(locales: Path) -> None:
    po = po_of(locales, "es")
    pause = "{clinic}: as your doctor instructed, do not take {medicine} from today."
    resume = (
        "{clinic}: your doctor said you may restart {medicine} from today. Unsure about the dose? "
        "Ask your doctor or call {phone}"
    )
    edit(po, "medication_resume.sms", resume, lambda s: s.replace("a partir de hoy", "desde hoy"))
    assert glossary_problems(locales, "es") == []  # restarting from today: "desde hoy" is right
    edit(po, "medication_pause.sms", pause, lambda s: s.replace("a partir de hoy", "desde hoy"))
    (problem,) = glossary_problems(locales, "es")
    assert "[medication_pause.sms] uses the forbidden 'desde hoy'" in problem.message


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[[required]\n", "cannot be read"),
        ('[[forbidden]]\nterm = "x"\nwhy = "y"\n', "only"),
        ("[[forbidden]]\npattern = '(unclosed'\n", "bad pattern"),
        ('[[required]]\nsource = "blood thinner"\n', "'term' must be"),
        ('[terms]\nx = "y"\n', "unknown table"),
    ],
)
def test_a_broken_glossary_is_reported_with_its_file(locales: Path, text: str, says: str) -> None:
    path = qa.glossary_path(locales, "it")
    path.write_text(text, encoding="utf-8")
    problems = [p for p in qa.check(locales, pot_dir=LOCALES).problems if p.file == path]
    assert len(problems) == 1 and problems[0].locale == "it", problems
    assert says in problems[0].message
