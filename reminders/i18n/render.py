"""render(message, channel, locale, facts) -> the text a patient receives.

A message is rendered wholly in one language: if the patient's catalog lacks any string of it,
or a translation is broken (a placeholder missing or renamed), the whole message falls back to
the next locale of the chain, and the reason is recorded. A broken catalog never crashes a worker
and never sends a half-filled text.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale

from reminders.i18n import locales
from reminders.i18n.format import LocalFormat
from reminders.i18n.messages import MESSAGES, Email, Env, Facts
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


def render(
    message: str,
    channel: str,
    tag: str,
    facts: Facts,
    zone: ZoneInfo,
    locales_dir: Path,
    clinic_default: str = locales.SOURCE_LOCALE,
) -> Rendered:
    definition = MESSAGES[message]
    problems: list[str] = []
    for locale in locales.chain(tag, locales_dir, clinic_default):
        env = Env(
            Translator(locale, locales.catalog(locale, locales_dir)),
            LocalFormat(locale, zone),
            facts,
        )
        try:
            if channel == "sms":
                text = sms_safe(definition.sms(env))
                return Rendered(channel, locale, text, fallbacks=tuple(problems))
            mail = definition.email(env)
        except TranslationProblem as exc:
            problems.append(f"{locale}: {exc}")
            continue
        return Rendered(
            channel,
            locale,
            "\n\n".join(mail.paragraphs),
            subject=mail.subject,
            html=email_html(mail, locale),
            fallbacks=tuple(problems),
        )
    raise RenderError(f"{message}/{channel} cannot be rendered: {problems}")


def email_html(mail: Email, locale: str) -> str:
    loc = Locale.parse(locale)
    direction = "rtl" if loc.character_order == "right-to-left" else "ltr"
    lang = locale.replace("_", "-")
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in mail.paragraphs)
    return (
        f'<!DOCTYPE html>\n<html lang="{lang}" dir="{direction}">\n<head><meta charset="utf-8">'
        f"<title>{html.escape(mail.subject)}</title></head>\n"
        f'<body style="font-family: sans-serif; line-height: 1.5">\n{body}\n</body>\n</html>\n'
    )


def sms_safe(text: str) -> str:
    """CLDR puts narrow and plain no-break spaces into times and dates ("9:00\u202fAM"); one of
    them would switch a whole English SMS to UCS-2 and more than double its segments."""
    return text.replace("\u202f", " ").replace("\u00a0", " ")
