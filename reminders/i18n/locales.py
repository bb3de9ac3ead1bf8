"""Which languages we ship, how a patient's BCP 47 tag maps onto them, and the catalogs.

``babel.support.Translations.load`` loads one catalog only, so the fallback chain
(pt-BR -> pt -> clinic default -> en) is built here explicitly.
"""

from __future__ import annotations

import gettext
import io
import threading
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from reminders.settings import shipped_locales_dir

SOURCE_LOCALE = "en"
# The catalogs shipped with the code (REMINDERS_LOCALES_DIR defaults to this directory).
SHIPPED_DIR = shipped_locales_dir()
_cache: dict[tuple[Path, str], gettext.GNUTranslations | None] = {}
_lock = threading.Lock()


def normalize(tag: str) -> str | None:
    """``pt-BR``, ``pt_br``, ``PT-br`` -> ``pt_BR``; ``zh-Hans-CN`` -> ``zh_Hans_CN``.
    None when Babel knows no such locale."""
    cleaned = tag.strip().replace("-", "_")
    if not cleaned:
        return None
    try:
        return str(Locale.parse(cleaned, sep="_"))
    except (UnknownLocaleError, ValueError, TypeError):
        return None


def available(locales_dir: Path) -> list[str]:
    if not locales_dir.is_dir():
        return []
    return sorted(
        p.name for p in locales_dir.iterdir() if (p / "LC_MESSAGES" / "messages.po").is_file()
    )


def chain(tag: str, locales_dir: Path, clinic_default: str = SOURCE_LOCALE) -> list[str]:
    """The locales to try, best first; always ends with the source language."""
    return list(_chain(tag, locales_dir, clinic_default))


# Asked for every message rendered, and it lists the directory: once per process and patient
# language is enough, as the catalogs themselves are loaded once (``catalog``). A language
# added to the directory is used after a restart, as a new catalog is.
@lru_cache(maxsize=256)
def _chain(tag: str, locales_dir: Path, clinic_default: str) -> tuple[str, ...]:
    have = set(available(locales_dir)) | {SOURCE_LOCALE}
    out: list[str] = []
    for candidate in (tag, clinic_default):
        norm = normalize(candidate)
        if norm is None:
            continue
        loc = Locale.parse(norm)
        steps = [norm]
        if loc.script and loc.territory:
            steps.append(f"{loc.language}_{loc.script}")
        if not loc.script:
            # zh, zh_SG -> zh_Hans by CLDR likely subtags; Babel already turns zh-CN into
            # zh_Hans_CN and zh-TW into zh_Hant_TW (which must not fall back to zh_Hans).
            script = _likely_script(loc.language, loc.territory)
            if script:
                steps.append(f"{loc.language}_{script}")
        steps.append(loc.language)
        if not any(step in have for step in steps):
            # No catalog for the language itself: a regional variant in the same script reads
            # better than the clinic's language (pt_PT -> pt_BR), never across scripts
            # (zh_Hant stays away from zh_Hans).
            script = loc.script or _likely_script(loc.language, loc.territory)
            steps.extend(
                other
                for other in sorted(have)
                if other.split("_")[0] == loc.language
                and (Locale.parse(other).script or _likely_script(loc.language, None)) == script
            )
        for step in steps:
            if step in have and step not in out:
                out.append(step)
    if SOURCE_LOCALE not in out:
        out.append(SOURCE_LOCALE)
    return tuple(out)


def _likely_script(language: str, territory: str | None) -> str | None:
    likely: Mapping[str, str] = get_global("likely_subtags")
    for key in (f"{language}_{territory}" if territory else None, language):
        if key and key in likely:
            parts = likely[key].split("_")
            if len(parts) >= 2 and len(parts[1]) == 4:
                return parts[1]
    return None


def catalog(locale: str, locales_dir: Path) -> gettext.GNUTranslations | None:
    """The compiled catalog for one locale (fuzzy entries excluded), or None for the source
    language. Uses the ``.mo`` when it is newer than the ``.po``; otherwise compiles in memory,
    so a fresh clone works without a build step."""
    if locale == SOURCE_LOCALE:
        return None
    key = (locales_dir, locale)
    with _lock:
        if key in _cache:
            return _cache[key]
        po = locales_dir / locale / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        if mo.is_file() and po.is_file() and mo.stat().st_mtime >= po.stat().st_mtime:
            with mo.open("rb") as fh:
                result: gettext.GNUTranslations | None = gettext.GNUTranslations(fh)
        elif po.is_file():
            result = gettext.GNUTranslations(io.BytesIO(compile_po(po)))
        else:
            result = None
        _cache[key] = result
        return result


def compile_po(po: Path) -> bytes:
    with po.open("rb") as fh:
        cat = read_po(fh, abort_invalid=True)
    buf = io.BytesIO()
    write_mo(buf, cat, use_fuzzy=False)
    return buf.getvalue()


def clear_cache() -> None:
    with _lock:
        _cache.clear()
    _chain.cache_clear()
