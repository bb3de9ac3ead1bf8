"""render(message, channel, locale, facts) -> the text a patient receives.

A message is rendered wholly in one language: if the patient's catalog lacks any string of it,
or a translation is broken (a placeholder missing or renamed, malformed braces), the whole
message falls back to the next locale of the chain, and the reason is recorded. A broken catalog
never crashes a worker and never sends a half-filled text.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale

from reminders.i18n import bidi, locales
from reminders.i18n.format import LocalFormat
from reminders.i18n.messages import MESSAGES, Email, Env, Facts
from reminders.i18n.segments import sms_text
from reminders.i18n.translator import TranslationProblem, Translator


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
) -> Rendered:
    """``sms_segments`` is the rule's SMS budget (default: the one the message is written
    for): it decides whether a doctor's note goes into the SMS or the SMS points to the email
    and the phone instead. The note is never shortened."""
    definition = MESSAGES[message]
    budget = definition.sms_segments if sms_segments is None else sms_segments
    problems: list[str] = []
    for locale in locales.chain(tag, locales_dir, clinic_default):
        rtl = is_rtl(locale)
        # Email always isolates (the markers become <bdi>, or go); SMS only in RTL languages.
        isolate = channel != "sms" or rtl
        env = Env(
            Translator(locale, locales.catalog(locale, locales_dir)),
            LocalFormat(locale, zone),
            facts,
            bidi.ISOLATE if isolate else bidi.NO_ISOLATION,
            budget,
        )
        try:
            if channel == "sms":
                text = sms_text(definition.sms(env))
                if not rtl:
                    text = bidi.clean(text)  # a stray mark in a translation never reaches a SMS
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
