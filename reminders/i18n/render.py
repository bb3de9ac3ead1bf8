"""render(message, channel, locale, facts) -> the text a patient receives.

A message is rendered wholly in one language: if the patient's catalog lacks any string of it,
or a translation is broken (a placeholder missing or renamed, malformed braces), the whole
message falls back to the next locale of the chain, and the reason is recorded. A broken catalog
never crashes a worker and never sends a half-filled text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale

from reminders.i18n import bidi, locales
from reminders.i18n.format import LocalFormat
from reminders.i18n.messages import MESSAGES, Email, Env, Facts
from reminders.i18n.segments import segments, sms_text
from reminders.i18n.translator import TranslationProblem, Translator

# Languages written without spaces between sentences: the space an SMS puts after each of its
# sentences ("…服用。 您可以…") is a stray one there.
_UNSPACED = frozenset({"zh", "ja"})
_SPACE_AFTER_STOP = re.compile(r"(?<=[。！？；]) (?=\S)")


@dataclass(frozen=True)
class Rendered:
    channel: str
    locale: str
    text: str
    subject: str | None = None
    html: str | None = None
    fallbacks: tuple[str, ...] = ()

    @property
    def fell_back(self) -> bool:
        return bool(self.fallbacks)


class RenderError(Exception):
    """Not even the source language could render the message: a programming error."""


def is_rtl(locale: str) -> bool:
    return bool(Locale.parse(locale).character_order == "right-to-left")


def render(
    message: str,
    channel: str,
    tag: str,
    facts: Facts,
    zone: ZoneInfo,
    locales_dir: Path,
    clinic_default: str = locales.SOURCE_LOCALE,
    sms_segments: int | None = None,
    optional: frozenset[str] = frozenset(),
) -> Rendered:
    """``sms_segments`` is the rule's SMS budget (default: the one the message is written
    for): it decides whether a doctor's note goes into the SMS or the SMS points to the email
    and the phone instead. The note is never shortened. ``optional``: the clinic-approved
    optional sentences the rule switches on (messages.OPTIONAL)."""
    definition = MESSAGES[message]
    budget = definition.sms_segments if sms_segments is None else sms_segments
    problems: list[str] = []
    for locale in locales.chain(tag, locales_dir, clinic_default):
        rtl = is_rtl(locale)
        # Email always isolates (the markers become <bdi>, or go); SMS only in RTL languages.
        isolate = channel != "sms" or rtl
        env = Env(
            Translator(locale, locales.catalog(locale, locales_dir)),
            LocalFormat(locale, zone, spelled_out=channel != "sms"),
            facts,
            bidi.ISOLATE if isolate else bidi.NO_ISOLATION,
            budget,
            optional,
        )
        try:
            if channel == "sms":
                build = definition.discreet_sms if facts.discreet else definition.sms
                # A stray mark in a translation never reaches a LTR SMS.
                text = _rtl_sms(build, env) if rtl else bidi.clean(sms_text(build(env)))
                if Locale.parse(locale).language in _UNSPACED:
                    text = join_unspaced(text, _verbatim(facts))
                return Rendered(channel, locale, text, fallbacks=tuple(problems))
            mail = definition.email(env)
        except TranslationProblem as exc:
            problems.append(f"{locale}: {exc}")
            continue
        plain = (lambda s: s) if rtl else bidi.clean
        return Rendered(
            channel,
            locale,
            plain("\n\n".join(mail.paragraphs)),
            subject=plain(mail.subject),
            html=email_html(mail, locale),
            fallbacks=tuple(problems),
        )
    raise RenderError(f"{message}/{channel} cannot be rendered: {problems}")


def _rtl_sms(build: Callable[[Env], str], env: Env) -> str:
    """The SMS starting with RLM. The message decides whether the doctor's note fits its budget
    without that one unit; where the mark would then take the SMS over its budget, the message
    is built for one segment less (the note gives way to the pointer to it)."""
    text = bidi.rtl_sms(sms_text(build(env)))
    if segments(text) > env.sms_segments > 1:
        tighter = bidi.rtl_sms(sms_text(build(replace(env, sms_segments=env.sms_segments - 1))))
        if segments(tighter) <= env.sms_segments:
            return tighter
    return text


def _verbatim(facts: Facts) -> list[str]:
    """What goes into a text as staff or the doctor wrote it."""
    med = facts.medicine
    values = [facts.clinic_name, facts.place, facts.address, facts.patient_name]
    if med is not None:
        values += [med.name, med.note.strip(), med.reduced_dose.strip()]
    return [bidi.clean(v) for v in values if v]


def join_unspaced(text: str, verbatim: Iterable[str] = ()) -> str:
    """``text`` without the space after each sentence of a language that writes none (Chinese,
    Japanese). The values in ``verbatim`` (a doctor's note, a clinic name) are left as written."""
    keep = sorted(set(verbatim), key=len, reverse=True)
    parts = re.split("(" + "|".join(map(re.escape, keep)) + ")", text) if keep else [text]
    return "".join(p if i % 2 else _SPACE_AFTER_STOP.sub("", p) for i, p in enumerate(parts))


def email_html(mail: Email, locale: str) -> str:
    direction = "rtl" if is_rtl(locale) else "ltr"
    lang = locale.replace("_", "-")
    # <title> takes no markup: RTL keeps the Unicode isolates there, LTR drops them.
    title = html.escape(mail.subject if direction == "rtl" else bidi.clean(mail.subject))
    body = "\n".join(f"<p>{bidi.html(p)}</p>" for p in mail.paragraphs)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}" dir="{direction}">\n<head><meta charset="utf-8">'
        f"<title>{title}</title></head>\n"
        f'<body style="font-family: sans-serif; line-height: 1.5">\n{body}\n</body>\n</html>\n'
    )


def sms_safe(text: str) -> str:
    """Kept for callers: see ``segments.sms_text``."""
    return sms_text(text)
