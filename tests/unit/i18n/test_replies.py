"""The SMS answers to a patient's own messages (HELP, an opt-out word, the escort confirmation)
and the escort SMS's request for a reply, in every shipped language: rendered through the
catalogs with the same fallback as the reminders, within their SMS budgets, and asking for a
word the service recognises. (Answering a real inbound message, which reads the patient's
appointment from Redis, is in tests/integration/inbound/test_optout.py.)"""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from reminders.i18n import bidi, render
from reminders.i18n import locales as loc
from reminders.i18n.render import is_rtl
from reminders.i18n.replies import REPLIES, REPLY_SMS_SEGMENTS, render_reply
from reminders.i18n.segments import count, has_bidi_controls
from reminders.i18n.tools import qa
from reminders.i18n.tools.samples import LONG, SAMPLE, ZONE
from reminders.inbound import keywords
from tests.factories import LOCALES, SHIPPED, YES_WORDS

HELP = "{clinic}: appointment reminders. Questions: call {phone}. Reply STOP to stop SMS."


def test_every_shipped_language_has_its_yes_word() -> None:
    assert loc.available(LOCALES) == SHIPPED
    assert sorted(YES_WORDS) == sorted(["en", *SHIPPED])


# --- the escort SMS asks for 1 or the yes word ------------------------------------------------


@pytest.mark.parametrize("locale", sorted(YES_WORDS))
def test_the_escort_sms_asks_for_1_or_the_yes_word_of_its_language(locale: str) -> None:
    word = YES_WORDS[locale]
    assert keywords.classify(word) == "confirm"
    assert keywords.classify(f" {word.lower()}! ") == "confirm"  # as patients type it
    for facts in (SAMPLE, LONG):
        sms = render("escort", "sms", locale, facts, ZONE, LOCALES)
        assert sms.locale == locale and not sms.fallbacks, sms.fallbacks
        main, ask = sms.text.split("\n")
        assert facts.clinic_phone in main
        assert word in ask and "1" in re.findall(r"\w+", ask)
        # Whatever else the line says, every word in it that answers "yes" is one we record.
        assert [w for w in re.findall(r"\w+", ask) if keywords.classify(w) == "confirm"] in (
            ["1", word],
            [word, "1"],
        )


@pytest.mark.parametrize("one", ["1", "١", "１"])
def test_one_counts_as_yes_from_a_latin_arabic_or_full_width_keyboard(one: str) -> None:
    assert keywords.classify(one) == "confirm"


# --- the answers: every language, within budget ----------------------------------------------


@pytest.mark.parametrize("reply", sorted(REPLIES))
@pytest.mark.parametrize("locale", ["en", *SHIPPED])
def test_every_answer_renders_in_every_language_within_its_budget(locale: str, reply: str) -> None:
    for name, phone in (
        (SAMPLE.clinic_name, SAMPLE.clinic_phone),
        (LONG.clinic_name, LONG.clinic_phone),
    ):
        out = render_reply(reply, locale, LOCALES, clinic_name=name, clinic_phone=phone)
        assert out.locale == locale and not out.fallbacks, out.fallbacks
        assert name in out.text and "{" not in out.text and "}" not in out.text
        c = count(out.text)
        assert c.segments <= REPLY_SMS_SEGMENTS, (c, out.text)
        if c.encoding == "GSM-7":
            assert c.segments == 1, (c, out.text)  # one segment wherever the script allows
        if reply == "help":
            assert phone in out.text and "STOP" in out.text and keywords.classify("STOP") == "stop"
        if reply == "stopped":
            assert "START" in out.text and keywords.classify("START") == "start"
        if is_rtl(locale):
            assert f"{bidi.FSI}{name}{bidi.PDI}" in out.text
            if reply == "help":
                assert f"{bidi.LRI}{phone}{bidi.PDI}" in out.text
        else:
            assert not has_bidi_controls(out.text)


def test_the_answers_in_german_spanish_and_arabic() -> None:
    def say(reply: str, locale: str) -> str:
        return render_reply(
            reply, locale, LOCALES, clinic_name="Riverside Radiology", clinic_phone="+49 30 1234567"
        ).text

    assert say("help", "de") == (
        "Riverside Radiology: Terminerinnerungen. Fragen: Tel. +49 30 1234567. "
        "Antworten Sie STOP, um keine SMS mehr zu erhalten."
    )
    assert say("help", "es") == (
        "Riverside Radiology: recordatorios de citas. Dudas: llame al +49 30 1234567. "
        "Responda STOP para dejar de recibir SMS."
    )
    assert say("help", "ar") == (
        f"{bidi.RLM}{bidi.FSI}Riverside Radiology{bidi.PDI}: تذكير بالمواعيد. للاستفسار: "
        f"{bidi.LRI}+49 30 1234567{bidi.PDI}. لإيقاف الرسائل النصية يُرجى إرسال STOP."
    )
    assert say("stopped", "de").startswith("Riverside Radiology: Sie erhalten keine SMS mehr")
    assert say("thanks", "es").startswith("Riverside Radiology: gracias")


def test_a_regional_tag_or_none_at_all_finds_its_answer() -> None:
    def lang(tag: str, default: str = "en") -> str:
        return render_reply("help", tag, LOCALES, default, clinic_name="X", clinic_phone="1").locale

    assert lang("es-MX") == "es" and lang("pt-BR") == "pt_BR" and lang("zh-CN") == "zh_Hans"
    assert lang("") == "en" and lang("", "de") == "de" and lang("xx", "fr") == "fr"


# --- a broken catalog: the whole answer falls back; the check catches it ----------------------


def set_msgstr(po: Path, context: str, msgid: str, text: str | None) -> int:
    """Replace (or, with None, remove) one entry of a catalog; the entry's line."""
    with po.open("rb") as fh:
        cat = read_po(fh)
    m = cat.get(msgid, context=context)
    assert m is not None
    if text is None:
        cat.delete(msgid, context=context)
    else:
        m.string = text
    buf = io.BytesIO()
    write_po(buf, cat, width=100, ignore_obsolete=True, sort_by_file=True)
    po.write_bytes(buf.getvalue())
    with po.open("rb") as fh:
        found = read_po(fh).get(msgid, context=context)
    return found.lineno if found is not None and found.lineno is not None else 0


def test_a_broken_or_missing_answer_falls_back_wholly_to_the_next_language(tmp_path: Path) -> None:
    shutil.copytree(LOCALES / "es", tmp_path / "es")
    po = tmp_path / "es" / "LC_MESSAGES" / "messages.po"
    set_msgstr(po, "reply.sms", HELP, "{clinic}: recordatorios. Dudas: {telefono}.")
    out = render_reply("help", "es", tmp_path, clinic_name="X", clinic_phone="+34 1")
    assert out.locale == "en" and "placeholders differ" in out.fallbacks[0]
    assert out.text == "X: appointment reminders. Questions: call +34 1. Reply STOP to stop SMS."
    set_msgstr(po, "reply.sms", HELP, None)
    loc.clear_cache()
    out = render_reply("help", "es", tmp_path, "de", clinic_name="X", clinic_phone="+34 1")
    assert out.locale == "en" and "not translated" in out.fallbacks[0]  # no de in tmp_path
    thanks = render_reply("thanks", "es", tmp_path, clinic_name="X", clinic_phone="+34 1")
    assert thanks.locale == "es" and not thanks.fallbacks  # the other answers are intact


def test_the_check_names_an_answer_over_its_budget(tmp_path: Path) -> None:
    shutil.copytree(LOCALES, tmp_path / "locales", ignore=shutil.ignore_patterns("*.mo"))
    po = tmp_path / "locales" / "de" / "LC_MESSAGES" / "messages.po"
    wordy = "{clinic}: " + "Terminerinnerungen für Ihre Injektion. " * 8 + "{phone} STOP"
    line = set_msgstr(po, "reply.sms", HELP, wordy)
    report = qa.check(tmp_path / "locales", pot_dir=LOCALES)
    (problem,) = report.problems
    assert (problem.locale, problem.file, problem.line, problem.msgid) == ("de", po, line, HELP)
    assert problem.message.startswith("SMS answer help takes 3 segments")
    assert qa.check(LOCALES).ok
