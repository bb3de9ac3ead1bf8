"""Translator workflow: extract the catalog template, merge it into each language, compile."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

from reminders.i18n.locales import available, compile_po

KEYWORDS = {"fmt": ((1, "c"), 2), "nfmt": ((1, "c"), 2, 3)}
PACKAGE_DIR = Path(__file__).resolve().parents[2]  # reminders/
# Extraction time in the header would make every extract look like a change.
_FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)
# Header lines that say who wrote the template and when, not what it holds: a newer Babel or
# another day must not make the template look stale (rapidpro ignores POT-Creation-Date too).
_VOLATILE_HEADERS = (b'"Generated-By:', b'"POT-Creation-Date:')


def template() -> Catalog:
    cat = Catalog(
        project="reminders",
        version="1",
        msgid_bugs_address="",
        creation_date=_FIXED_DATE,
        copyright_holder="the reminders authors",
        fuzzy=False,
    )
    for filename, lineno, message, comments, context in extract_from_dir(
        str(PACKAGE_DIR),
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
        comment_tags=["TRANSLATORS:"],
        strip_comment_tags=True,
    ):
        cat.add(
            message,
            None,
            [(f"reminders/{filename}", lineno)],
            auto_comments=comments,
            context=context,
        )
    return cat


def pot_bytes() -> bytes:
    buf = io.BytesIO()
    write_po(buf, template(), width=100, omit_header=False, sort_by_file=True)
    return buf.getvalue()


def extract(locales_dir: Path) -> Path:
    locales_dir.mkdir(parents=True, exist_ok=True)
    pot = locales_dir / "messages.pot"
    pot.write_bytes(pot_bytes())
    return pot


def pot_is_stale(locales_dir: Path) -> bool:
    pot = locales_dir / "messages.pot"
    return not pot.is_file() or _content(pot.read_bytes()) != _content(pot_bytes())


def _content(pot: bytes) -> list[bytes]:
    return [line for line in pot.splitlines() if not line.startswith(_VOLATILE_HEADERS)]


def update(locales_dir: Path) -> list[Path]:
    """Merge the template into every language's catalog (new strings empty, changed ones fuzzy).

    The Plural-Forms header is refreshed from the installed Babel's CLDR rules first, so a
    language whose rules gained a form gets its plural entries marked fuzzy with the new form
    empty, for a translator to fill in, instead of keeping a header that no longer matches."""
    tmpl = template()
    out = []
    for locale in available(locales_dir):
        po = locales_dir / locale / "LC_MESSAGES" / "messages.po"
        with po.open("rb") as fh:
            cat = read_po(fh, locale=locale)
        cat.mime_headers = [("Plural-Forms", plural_forms(locale))]
        cat.update(tmpl, update_header_comment=False)
        buf = io.BytesIO()
        write_po(buf, cat, width=100, ignore_obsolete=True, sort_by_file=True)
        po.write_bytes(buf.getvalue())
        out.append(po)
    return out


def plural_forms(locale: str) -> str:
    """The gettext Plural-Forms header for ``locale`` under the installed Babel's CLDR data."""
    return get_plural(locale).plural_forms


def compile_all(locales_dir: Path) -> list[Path]:
    out = []
    for locale in available(locales_dir):
        po = locales_dir / locale / "LC_MESSAGES" / "messages.po"
        mo = po.with_suffix(".mo")
        mo.write_bytes(compile_po(po))
        out.append(mo)
    return out
