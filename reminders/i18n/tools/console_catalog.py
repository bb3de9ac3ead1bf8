"""The staff console's catalogs, the gettext domain ``console``: extracted from the console's
templates (Babel's Jinja2 extractor) and Python, merged into ``locales/<ll>/LC_MESSAGES/
console.po`` for every console language, and checked (complete, not fuzzy, the same
placeholders, the template not stale). The patients' domain (``messages``) is not touched.
Only files are read here: the console package is never imported."""

from __future__ import annotations

import io
import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.pofile import read_po, write_po

from reminders.i18n.locales import compile_po
from reminders.i18n.tools.tooling import _FIXED_DATE, PACKAGE_DIR, _content

DOMAIN = "console"
LANGUAGES = ("en", "de")  # en: the source wording, which a clinic may reword
CONSOLE_DIR = PACKAGE_DIR / "console"
_METHODS = [("templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
_OPTIONS = {
    "templates/**.html": {
        "extensions": "jinja2.ext.i18n",
        "newstyle_gettext": "true",
        "trim_blocks": "true",
        "lstrip_blocks": "true",
    }
}
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def pot_path(locales_dir: Path) -> Path:
    return locales_dir / f"{DOMAIN}.pot"


def po_path(locales_dir: Path, lang: str) -> Path:
    return locales_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def template() -> Catalog:
    cat = Catalog(
        project="reminders console",
        version="1",
        msgid_bugs_address="",
        creation_date=_FIXED_DATE,
        copyright_holder="the reminders authors",
        fuzzy=False,
        domain=DOMAIN,
    )
    for filename, lineno, message, comments, context in extract_from_dir(
        str(CONSOLE_DIR),
        method_map=_METHODS,
        options_map=_OPTIONS,
        keywords=DEFAULT_KEYWORDS,
        comment_tags=["TRANSLATORS:"],
        strip_comment_tags=True,
    ):
        cat.add(
            message,
            None,
            [(f"reminders/console/{filename}", lineno)],
            auto_comments=comments,
            context=context,
        )
    return cat


def pot_bytes() -> bytes:
    buf = io.BytesIO()
    write_po(buf, template(), width=100, omit_header=False, sort_by_file=True)
    return buf.getvalue()


def extract(locales_dir: Path) -> Path:
    pot = pot_path(locales_dir)
    pot.write_bytes(pot_bytes())
    return pot


def pot_is_stale(locales_dir: Path) -> bool:
    pot = pot_path(locales_dir)
    return not pot.is_file() or _content(pot.read_bytes()) != _content(pot_bytes())


def update(locales_dir: Path) -> list[Path]:
    """Merge the template into each console language (new strings empty, changed ones fuzzy);
    English gets the source wording for every new string."""
    out = []
    for lang in LANGUAGES:
        tmpl = template()  # one each: Babel's update shares the template's messages
        po = po_path(locales_dir, lang)
        if po.is_file():
            with po.open("rb") as fh:
                cat = read_po(fh, locale=lang, domain=DOMAIN)
        else:
            po.parent.mkdir(parents=True, exist_ok=True)
            cat = Catalog(locale=lang, domain=DOMAIN, project="reminders console", fuzzy=False)
        cat.update(tmpl, update_header_comment=False)
        if lang == "en":
            for m in cat:
                if m.id and not any(_strings(m.string)):
                    m.string = m.id
                    m.flags.discard("fuzzy")
        buf = io.BytesIO()
        write_po(buf, cat, width=100, ignore_obsolete=True, sort_by_file=True)
        po.write_bytes(buf.getvalue())
        out.append(po)
    return out


def compile_all(locales_dir: Path) -> list[Path]:
    out = []
    for lang in LANGUAGES:
        po = po_path(locales_dir, lang)
        if po.is_file():
            mo = po.with_suffix(".mo")
            mo.write_bytes(compile_po(po))
            out.append(mo)
    return out


def check(locales_dir: Path, pot_dir: Path | None = None) -> list[str]:
    """Every problem of the console's catalogs, one line each (none: all is well)."""
    pot_dir = locales_dir if pot_dir is None else pot_dir
    problems = []
    if pot_is_stale(pot_dir):
        problems.append(f"{pot_path(pot_dir)}: stale: run `reminders i18n extract`")
    wanted = {m.id: m for m in template() if m.id}
    for lang in LANGUAGES:
        po = po_path(locales_dir, lang)
        if not po.is_file():
            problems.append(f"{po}: missing: run `reminders i18n update`")
            continue
        try:
            with po.open("rb") as fh:
                cat = read_po(fh, locale=lang, domain=DOMAIN, abort_invalid=True)
        except Exception as exc:  # any parse error is the catalog's problem to report
            problems.append(f"{po}: cannot be read: {exc}")
            continue
        for msgid, source in wanted.items():
            found = cat.get(msgid)
            where = f"{po}: {_first(msgid)!r}"
            if found is None or not found.string or not all(_strings(found.string)):
                problems.append(f"{where}: not translated")
            elif found.fuzzy:
                problems.append(f"{where}: fuzzy")
            elif any(_names(s) != _names(_first(source.id)) for s in _strings(found.string)):
                problems.append(f"{where}: placeholders differ from the source")
    return problems


def _first(msgid: object) -> str:
    return str(msgid[0]) if isinstance(msgid, tuple | list) else str(msgid)


def _strings(value: object) -> list[str]:
    return [str(s) for s in value] if isinstance(value, tuple | list) else [str(value)]


def _names(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text))
