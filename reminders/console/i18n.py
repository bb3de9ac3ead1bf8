"""The console's own texts, in the gettext domain ``console`` (``locales/console.pot``,
``locales/<ll>/LC_MESSAGES/console.po``; ``reminders i18n extract|update|check`` keep them),
apart from the patients' messages. A person reads the console in their account's language,
else their browser's (Accept-Language), else English."""

from __future__ import annotations

import functools
import gettext
import io
from pathlib import Path

import jinja2
from babel.dates import format_date, format_datetime

from reminders.i18n.locales import compile_po
from reminders.settings import shipped_locales_dir

DOMAIN = "console"
LANGUAGES = ("en", "de")
DEFAULT = "en"
# A moment on a console page: the weekday, the date and the 24-hour time, as clinics write them.
_WHEN = {"en": "EEE d MMM y, HH:mm", "de": "EEE, d. MMM y, HH:mm"}


def catalogs_dir() -> Path:
    """The shipped catalogs: the console's texts are not the clinic's to change per site,
    whatever REMINDERS_LOCALES_DIR says about the patients' messages."""
    return shipped_locales_dir()


@functools.cache
def translations(lang: str) -> gettext.NullTranslations:
    po = catalogs_dir() / lang / "LC_MESSAGES" / f"{DOMAIN}.po"
    if not po.is_file():
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(compile_po(po)))


def pick(account_lang: str, accept_language: str) -> str:
    """The account's language, else the first of the browser's we have, else English."""
    if account_lang in LANGUAGES:
        return account_lang
    ranked: list[tuple[float, int, str]] = []
    for n, part in enumerate(accept_language.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        ranked.append((-q, n, tag.strip().lower().split("-")[0]))
    for neg_q, _, lang in sorted(ranked):
        if neg_q < 0 and lang in LANGUAGES:
            return lang
    return DEFAULT


@functools.cache
def environment(lang: str) -> jinja2.Environment:
    """One template environment per language, with that language's gettext installed
    (new-style: ``_("%(n)s sent", n=3)`` escapes and fills)."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("reminders.console", "templates"),
        autoescape=True,
        extensions=["jinja2.ext.i18n"],
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]
    pattern = _WHEN.get(lang, _WHEN[DEFAULT])
    env.filters["when"] = lambda at, zone: format_datetime(at, pattern, tzinfo=zone, locale=lang)
    env.filters["time"] = lambda at, zone: format_datetime(at, "HH:mm", tzinfo=zone, locale=lang)
    env.filters["day"] = lambda d: format_date(d, "full", locale=lang)
    return env
