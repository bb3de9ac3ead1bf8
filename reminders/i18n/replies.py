"""The SMS answers to a patient's own messages: HELP, the confirmation of an opt-out word, and
the thanks for the escort confirmation, in the patient's language.

They are rendered like every other SMS (see ``render.py``): wholly in the first language of the
chain whose catalog has every string of the answer, with a leading RLM and bidi isolates only in
right-to-left languages, CLDR spaces made plain, any fallback recorded. Each answer is written
for one SMS segment where the language allows it (GSM-7 with long clinic names) and must never
take more than ``REPLY_SMS_SEGMENTS``; ``reminders i18n check`` holds every catalog to that.

STOP and START stay in Latin capitals in every language: they are the keywords the SMS
provider and ``reminders.inbound.replies`` recognise whatever the patient's language.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from reminders.i18n import bidi, locales
from reminders.i18n.bidi import NO_ISOLATION, Isolator
from reminders.i18n.render import Rendered, RenderError, is_rtl
from reminders.i18n.segments import sms_text
from reminders.i18n.translator import TranslationProblem, Translator

REPLY_SMS_SEGMENTS = 2


@dataclass(frozen=True)
class ReplyEnv:
    t: Translator
    clinic_name: str
    clinic_phone: str
    iso: Isolator = NO_ISOLATION

    @property
    def clinic(self) -> str:
        return self.iso.auto(self.clinic_name)

    @property
    def phone(self) -> str:
        return self.iso.ltr(self.clinic_phone)


def help_sms(e: ReplyEnv) -> str:
    # TRANSLATORS: SMS answer when the patient texts HELP. One SMS segment where possible (160
    # plain Latin characters; 70 if the text needs any other character), at most 2 (about 130
    # characters for non-Latin scripts or accented letters) with a clinic name of 30
    # characters. {clinic}: clinic name, e.g. "Riverside Radiology"; {phone}: clinic phone,
    # e.g. "+49 30 1234567". Keep STOP exactly as it is: it is the keyword in every language.
    return e.t.fmt(
        "reply.sms",
        "{clinic}: appointment reminders. Questions: call {phone}. Reply STOP to stop SMS.",
        clinic=e.clinic,
        phone=e.phone,
    )


def stopped_sms(e: ReplyEnv) -> str:
    # TRANSLATORS: SMS answer after the patient opted out with a word in their language
    # (e.g. "STOPP", "ALTO"). One SMS segment where possible, at most 2 (about 130 characters
    # for non-Latin scripts or accented letters) with a clinic name of 30 characters.
    # {clinic}: clinic name, e.g. "Riverside Radiology". Keep START exactly as it is: it is
    # the keyword in every language. "us" is the radiology clinic.
    return e.t.fmt(
        "reply.sms",
        "{clinic}: you will get no more SMS from us. Reply START to get them again.",
        clinic=e.clinic,
    )


def thanks_sms(e: ReplyEnv) -> str:
    # TRANSLATORS: SMS answer when the patient confirmed (with 1 or YES) that someone will take
    # them home after the injection. One SMS segment where possible, at most 2 (about 130
    # characters for non-Latin scripts or accented letters) with a clinic name of 30
    # characters. {clinic}: clinic name, e.g. "Riverside Radiology".
    return e.t.fmt(
        "reply.sms",
        "{clinic}: thank you, we have noted that someone will take you home.",
        clinic=e.clinic,
    )


REPLIES: dict[str, Callable[[ReplyEnv], str]] = {
    "help": help_sms,
    "stopped": stopped_sms,
    "thanks": thanks_sms,
}
REPLY_KEYS = frozenset(REPLIES)


def render_reply(
    reply: str,
    tag: str,
    locales_dir: Path,
    clinic_default: str = locales.SOURCE_LOCALE,
    *,
    clinic_name: str,
    clinic_phone: str,
) -> Rendered:
    """One answer (``help``, ``stopped`` or ``thanks``) for a patient whose language is
    ``tag`` (an empty tag: the clinic's default language)."""
    build = REPLIES[reply]
    problems: list[str] = []
    for locale in locales.chain(tag, locales_dir, clinic_default):
        rtl = is_rtl(locale)
        env = ReplyEnv(
            Translator(locale, locales.catalog(locale, locales_dir)),
            clinic_name,
            clinic_phone,
            bidi.ISOLATE if rtl else bidi.NO_ISOLATION,
        )
        try:
            text = sms_text(build(env))
        except TranslationProblem as exc:
            problems.append(f"{locale}: {exc}")
            continue
        # Right to left: starts with RLM, like every SMS of such a language (see ``bidi.py``);
        # otherwise a stray mark in a translation never reaches a SMS.
        text = bidi.rtl_sms(text) if rtl else bidi.clean(text)
        return Rendered("sms", locale, text, fallbacks=tuple(problems))
    raise RenderError(f"reply {reply} cannot be rendered: {problems}")
