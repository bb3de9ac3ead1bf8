"""What ``reminders i18n check`` and ``stats`` look at: every shipped catalog against the
template, GNU msgfmt (or Babel's own checks where msgfmt is absent), the placeholders, the
language's glossary (approved and forbidden terms, ``locales/<ll>/glossary.toml``), and every
SMS (the reminders and the answers to a patient's own SMS) rendered with long values against its
segment budget.

Each problem names the locale, the file, the line and the msgid, so a translator can go straight
to the entry.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tomllib
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel import Locale
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import PoFileError, read_po

from reminders.i18n import locales as loc
from reminders.i18n.messages import MESSAGES
from reminders.i18n.render import is_rtl, render
from reminders.i18n.replies import REPLIES, REPLY_SMS_SEGMENTS, ReplyEnv, render_reply
from reminders.i18n.segments import count, has_bidi_controls
from reminders.i18n.tools.samples import LONG, ZONE, long_variants
from reminders.i18n.tools.tooling import pot_is_stale, template
from reminders.i18n.translator import Translator, placeholders

REVIEW_TAG = "X-Review-Status:"


@dataclass(frozen=True)
class Problem:
    locale: str
    file: Path
    line: int | None
    msgid: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else str(self.file)
        ident = f" msgid {self.msgid!r}" if self.msgid else ""
        return f"{where}: [{self.locale}]{ident}: {self.message}"


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def po_path(locales_dir: Path, locale: str) -> Path:
    return locales_dir / locale / "LC_MESSAGES" / "messages.po"


def _strings(m: Message) -> list[str]:
    raw = list(m.string) if isinstance(m.string, (tuple, list)) else [m.string]
    return [s or "" for s in raw]


def _first(msgid: object) -> str:
    return msgid if isinstance(msgid, str) else str(msgid[0])  # type: ignore[index]


# --- msgfmt, or Babel when it is absent --------------------------------------------------------

_MSGFMT_LINE = re.compile(r"^(?P<file>[^:]+):(?P<line>\d+):\s*(?P<msg>.*)$")


def msgfmt_problems(po: Path, locale: str, cat: Catalog | None) -> tuple[str, list[Problem]]:
    """(tool used, problems). GNU ``msgfmt --check`` when installed; it catches dropped,
    renamed and malformed placeholders that ``pybabel compile`` lets through."""
    exe = shutil.which("msgfmt")
    if exe is None:
        return "babel (msgfmt not installed)", _babel_problems(po, locale)
    proc = subprocess.run(
        [exe, "--check", "-o", "/dev/null", str(po)], capture_output=True, text=True, check=False
    )
    if proc.returncode == 0:
        return "msgfmt --check", []
    out = []
    for raw in proc.stderr.splitlines():
        m = _MSGFMT_LINE.match(raw)
        if not m or m.group("file").endswith("msgfmt"):
            continue
        line, msgid = _entry_at(cat, int(m.group("line")))
        out.append(Problem(locale, po, line, msgid, f"msgfmt: {m.group('msg')}"))
    if not out:
        out.append(Problem(locale, po, 0, "", f"msgfmt --check failed: {proc.stderr.strip()}"))
    return "msgfmt --check", out


def _babel_problems(po: Path, locale: str) -> list[Problem]:
    try:
        with po.open("rb") as fh:
            cat = read_po(fh, abort_invalid=True)
    except (PoFileError, ValueError, UnicodeDecodeError) as exc:
        return [Problem(locale, po, _line_of(exc), "", f"babel: cannot parse: {exc}")]
    out = []
    for message, errors in cat.check():
        for err in errors:
            out.append(Problem(locale, po, message.lineno, _first(message.id), f"babel: {err}"))
    return out


def _line_of(exc: Exception) -> int:
    found = re.search(r"line (\d+)", str(exc))
    return int(found.group(1)) if found else 0


def _entry_at(cat: Catalog | None, line: int) -> tuple[int, str]:
    """msgfmt names the line of the msgstr; the entry it belongs to is the last one whose msgid
    starts at or before that line."""
    found: Message | None = None
    for m in cat or []:
        if (
            m.id
            and m.lineno is not None
            and m.lineno <= line
            and (found is None or (found.lineno or 0) < m.lineno)
        ):
            found = m
    if found is None or found.lineno is None:
        return line, ""
    return found.lineno, _first(found.id)


# --- entries against the template --------------------------------------------------------------


def read(po: Path) -> Catalog | None:
    try:
        with po.open("rb") as fh:
            return read_po(fh)
    except (PoFileError, ValueError, UnicodeDecodeError):
        return None


def entry_problems(po: Path, locale: str, cat: Catalog, tmpl: Catalog) -> list[Problem]:
    out = []
    rtl = is_rtl(locale)
    for src in tmpl:
        if not src.id:
            continue
        msgid = _first(src.id)
        m = cat.get(src.id, context=src.context)
        if m is None:
            out.append(Problem(locale, po, 0, msgid, "missing from the catalog: run update"))
            continue
        strings = _strings(m)
        if not all(strings):
            out.append(Problem(locale, po, m.lineno, msgid, "untranslated"))
            continue
        if m.fuzzy:
            out.append(
                Problem(locale, po, m.lineno, msgid, "fuzzy: review it, then remove the flag")
            )
        out.extend(_placeholder_problems(po, locale, m, msgid, strings))
        if not rtl and any(has_bidi_controls(s) for s in strings):
            out.append(
                Problem(locale, po, m.lineno, msgid, "bidi control character in a LTR language")
            )
    return out


def _placeholder_problems(
    po: Path, locale: str, m: Message, msgid: str, strings: list[str]
) -> list[Problem]:
    out = []
    try:
        if isinstance(m.id, str):
            allowed = required = placeholders(m.id)
        else:
            allowed = placeholders(m.id[0]) | placeholders(m.id[1])
            required = allowed - {"n"}
        for s in strings:
            found = placeholders(s)
            if not required <= found <= allowed:
                missing, extra = sorted(required - found), sorted(found - allowed)
                out.append(
                    Problem(
                        locale,
                        po,
                        m.lineno,
                        msgid,
                        f"placeholders differ from the source (missing {missing}, unknown {extra})",
                    )
                )
    except Exception as exc:  # malformed braces of any kind are reported, never raised
        out.append(Problem(locale, po, m.lineno, msgid, f"malformed placeholder: {exc}"))
    return out


# --- glossary: approved and forbidden terms ----------------------------------------------------

GLOSSARY_FILE = "glossary.toml"
_REQUIRED_KEYS = frozenset({"source", "term", "note"})
_FORBIDDEN_KEYS = frozenset({"term", "pattern", "reason", "with", "contexts"})
# Arabic harakat, shadda, sukun and the dagger alif: an editor may type a word with or without
# them, and a forbidden word must be caught either way.
_ARABIC_MARKS = re.compile("[\u064b-\u065f\u0670]")


def _fold(text: str) -> str:
    return _ARABIC_MARKS.sub("", unicodedata.normalize("NFC", text)).casefold()


@dataclass(frozen=True)
class Required:
    """Where the English msgid names ``source`` (any of), every form of the translation
    contains the approved ``term`` (any of its accepted forms)."""

    source: tuple[str, ...]
    terms: tuple[str, ...]


@dataclass(frozen=True)
class Forbidden:
    """A wording no translation may contain (in the msgctxt starting with one of ``contexts``,
    if given; only together with ``with_``, if given)."""

    term: str
    pattern: re.Pattern[str]
    reason: str
    with_: str | None = None
    contexts: tuple[str, ...] = ()


@dataclass(frozen=True)
class Glossary:
    path: Path
    required: tuple[Required, ...]
    forbidden: tuple[Forbidden, ...]


class GlossaryError(ValueError):
    pass


def glossary_path(locales_dir: Path, locale: str) -> Path:
    return locales_dir / locale / GLOSSARY_FILE


def _shown(path: Path) -> str:
    """``de/glossary.toml``: the language's folder and the file."""
    return f"{path.parent.name}/{path.name}"


def _strs(value: Any, key: str, where: str) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if (
        not isinstance(values, list)
        or not values
        or not all(isinstance(v, str) and v for v in values)
    ):
        raise GlossaryError(f"{where}: {key!r} must be a word or a list of words")
    return tuple(values)


def load_glossary(path: Path) -> Glossary:
    """``[[required]]`` tables: ``source`` (English, a word or a list), ``term`` (a word or a
    list of accepted forms). ``[[forbidden]]`` tables: ``term`` (a wording) and/or ``pattern``
    (a regular expression, then the term only names it), ``reason``, optional ``with`` and
    ``contexts``. Matching ignores case and Arabic diacritics."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise GlossaryError(f"cannot be read: {exc}") from exc
    unknown = set(raw) - {"required", "forbidden"}
    if unknown:
        raise GlossaryError(f"unknown table(s) {sorted(unknown)}: only [[required]], [[forbidden]]")
    required = []
    for i, item in enumerate(raw.get("required", []), start=1):
        where = f"[[required]] #{i}"
        if not isinstance(item, dict) or set(item) - _REQUIRED_KEYS:
            raise GlossaryError(f"{where}: only {sorted(_REQUIRED_KEYS)}")
        required.append(
            Required(
                tuple(_fold(s) for s in _strs(item.get("source"), "source", where)),
                _strs(item.get("term"), "term", where),
            )
        )
    forbidden = []
    for i, item in enumerate(raw.get("forbidden", []), start=1):
        where = f"[[forbidden]] #{i}"
        if not isinstance(item, dict) or set(item) - _FORBIDDEN_KEYS:
            raise GlossaryError(f"{where}: only {sorted(_FORBIDDEN_KEYS)}")
        if "term" not in item and "pattern" not in item:
            raise GlossaryError(f"{where}: give a 'term', a 'pattern' or both")
        # The term is what an error shows; the pattern, where given, is what is looked for.
        shown = _strs(item.get("term", item.get("pattern")), "term", where)[0]
        try:
            if "pattern" in item:
                pattern = re.compile(_strs(item["pattern"], "pattern", where)[0], re.IGNORECASE)
            else:
                pattern = re.compile(re.escape(_fold(shown)), re.IGNORECASE)
        except re.error as exc:
            raise GlossaryError(f"{where}: bad pattern: {exc}") from exc
        with_ = item.get("with")
        forbidden.append(
            Forbidden(
                shown,
                pattern,
                str(item.get("reason", "")),
                _fold(_strs(with_, "with", where)[0]) if with_ is not None else None,
                _strs(item["contexts"], "contexts", where) if "contexts" in item else (),
            )
        )
    return Glossary(path, tuple(required), tuple(forbidden))


def glossary_problems(po: Path, locale: str, cat: Catalog, glossary: Glossary) -> list[Problem]:
    """Each translated entry against the glossary; an error names the catalog and the entry's
    line, its msgctxt and msgid, the term and the glossary file."""
    out = []
    for m in cat:
        if not m.id:
            continue
        strings = [s for s in _strings(m) if s]
        if not strings:
            continue  # untranslated: reported by the entry checks
        msgid = _first(m.id)
        english = _fold(" ".join([m.id] if isinstance(m.id, str) else m.id))
        folded = [_fold(s) for s in strings]
        where = f"[{m.context}]" if m.context else "[no msgctxt]"
        for req in glossary.required:
            if not any(src in english for src in req.source):
                continue
            if not all(any(_fold(t) in s for t in req.terms) for s in folded):
                out.append(
                    Problem(
                        locale,
                        po,
                        m.lineno,
                        msgid,
                        f"glossary {_shown(glossary.path)}: {where} names {req.source[0]!r}; "
                        f"use the approved term {' or '.join(map(repr, req.terms))}",
                    )
                )
        for ban in glossary.forbidden:
            if ban.contexts and not (m.context or "").startswith(ban.contexts):
                continue
            if any(ban.pattern.search(s) and (ban.with_ is None or ban.with_ in s) for s in folded):
                together = f" together with {ban.with_!r}" if ban.with_ else ""
                reason = f": {ban.reason}" if ban.reason else ""
                out.append(
                    Problem(
                        locale,
                        po,
                        m.lineno,
                        msgid,
                        f"glossary {_shown(glossary.path)}: {where} uses the forbidden "
                        f"{ban.term!r}{together}{reason}",
                    )
                )
    return out


# --- SMS budgets ------------------------------------------------------------------------------


def rule_budgets() -> dict[str, int]:
    """The smallest ``sms_segments`` of any shipped rule sending each message."""
    from reminders.schedule import load  # noqa: PLC0415 - the loader pulls in the planner
    from reminders.schedule.loader import DEFAULTS_DIR  # noqa: PLC0415

    out: dict[str, int] = {}
    for path in sorted(DEFAULTS_DIR.glob("*.toml")):
        for rule in load(path, frozenset(MESSAGES)).rules:
            out[rule.message] = min(out.get(rule.message, 99), rule.sms_segments)
    return out


def budget_for(message: str, rules: dict[str, int]) -> int:
    """The rule's budget, or the one the message is written for where that is larger (the
    difference is reported as a warning: the schedule should be raised)."""
    return max(rules.get(message, 3), MESSAGES[message].sms_segments)


@dataclass(frozen=True)
class LongestSms:
    locale: str
    message: str
    text: str
    segments: int
    encoding: str
    units: int


def sms_problems(
    locales_dir: Path, locale: str, cat: Catalog | None, rules: dict[str, int]
) -> tuple[list[Problem], list[LongestSms]]:
    po = po_path(locales_dir, locale) if locale != loc.SOURCE_LOCALE else Path("(source)")
    out, longest = [], []
    for key in sorted(MESSAGES):
        budget = budget_for(key, rules)
        worst: LongestSms | None = None
        for facts in long_variants():
            r = render(key, "sms", locale, facts, ZONE, locales_dir, sms_segments=budget)
            if r.locale != locale:
                break  # a broken or missing entry: reported by the entry checks
            c = count(r.text)
            if worst is None or (c.segments, c.units) > (worst.segments, worst.units):
                worst = LongestSms(locale, key, r.text, c.segments, c.encoding, c.units)
        if worst is None:
            continue
        longest.append(worst)
        if worst.segments > budget:
            line, msgid = _sms_entry(cat, key)
            out.append(
                Problem(
                    locale,
                    po,
                    line,
                    msgid,
                    f"SMS {key} takes {worst.segments} segments ({worst.encoding}, "
                    f"{worst.units} units) with long values; its budget is {budget}: shorten it",
                )
            )
    return out, longest


def _sms_entry(cat: Catalog | None, key: str) -> tuple[int | None, str]:
    for m in cat or []:
        if m.context == f"{key}.sms":
            return m.lineno, _first(m.id)
    return 0, f"{key}.sms"


def reply_problems(locales_dir: Path, locale: str, cat: Catalog | None) -> list[Problem]:
    """The answers to a patient's HELP, opt-out word and escort confirmation, with the long
    clinic name, against ``REPLY_SMS_SEGMENTS``."""
    po = po_path(locales_dir, locale) if locale != loc.SOURCE_LOCALE else Path("(source)")
    out = []
    for key in sorted(REPLIES):
        r = render_reply(
            key, locale, locales_dir, clinic_name=LONG.clinic_name, clinic_phone=LONG.clinic_phone
        )
        if r.locale != locale:
            continue  # a broken or missing entry: reported by the entry checks
        c = count(r.text)
        if c.segments > REPLY_SMS_SEGMENTS:
            line, msgid = _reply_entry(cat, key)
            out.append(
                Problem(
                    locale,
                    po,
                    line,
                    msgid,
                    f"SMS answer {key} takes {c.segments} segments ({c.encoding}, {c.units} "
                    f"units) with a long clinic name; its budget is {REPLY_SMS_SEGMENTS}: "
                    "shorten it",
                )
            )
    return out


class _Recorder(Translator):
    """The source language, noting which entries a text is made of."""

    def __init__(self) -> None:
        super().__init__(loc.SOURCE_LOCALE, None)
        self.used: list[tuple[str, str]] = []

    def fmt(self, context: str, msgid: str, **values: object) -> str:
        self.used.append((context, msgid))
        return super().fmt(context, msgid, **values)


def _reply_entry(cat: Catalog | None, key: str) -> tuple[int | None, str]:
    recorder = _Recorder()
    REPLIES[key](ReplyEnv(recorder, LONG.clinic_name, LONG.clinic_phone))
    context, msgid = recorder.used[0]
    m = cat.get(msgid, context=context) if cat is not None else None
    return (m.lineno if m is not None else 0), msgid


# --- the whole check, and stats ------------------------------------------------------------------


def check(locales_dir: Path, pot_dir: Path | None = None) -> Report:
    report = Report()
    pot_dir = locales_dir if pot_dir is None else pot_dir
    if pot_is_stale(pot_dir):
        report.problems.append(
            Problem("-", pot_dir / "messages.pot", 0, "", "stale: run `reminders i18n extract`")
        )
    tmpl = template()
    rules = rule_budgets()
    for key, def_ in sorted(MESSAGES.items()):
        if key in rules and rules[key] < def_.sms_segments:
            report.warnings.append(
                f"rule budget for {key} is {rules[key]} SMS segments; its wording (with the "
                f"doctor's note) is written for {def_.sms_segments}: raise sms_segments in the "
                "schedule file"
            )
    loc.clear_cache()
    for locale in [loc.SOURCE_LOCALE, *loc.available(locales_dir)]:
        if locale == loc.SOURCE_LOCALE:
            problems, _ = sms_problems(locales_dir, locale, None, rules)
            report.problems.extend(problems)
            report.problems.extend(reply_problems(locales_dir, locale, None))
            continue
        po = po_path(locales_dir, locale)
        cat = read(po)
        tool, problems = msgfmt_problems(po, locale, cat)
        report.notes.append(f"{locale}: {tool}")
        report.problems.extend(problems)
        if cat is None:
            if not problems:
                report.problems.append(Problem(locale, po, 0, "", "cannot be parsed"))
            continue
        report.problems.extend(entry_problems(po, locale, cat, tmpl))
        report.problems.extend(_glossary_check(locales_dir, locale, po, cat))
        sms, _ = sms_problems(locales_dir, locale, cat, rules)
        report.problems.extend(sms)
        report.problems.extend(reply_problems(locales_dir, locale, cat))
    return report


def _glossary_check(locales_dir: Path, locale: str, po: Path, cat: Catalog) -> list[Problem]:
    path = glossary_path(locales_dir, locale)
    if not path.is_file():
        return []
    try:
        glossary = load_glossary(path)
    except GlossaryError as exc:
        return [Problem(locale, path, 0, "", f"glossary: {exc}")]
    return glossary_problems(po, locale, cat, glossary)


@dataclass(frozen=True)
class Stats:
    locale: str
    name: str
    direction: str
    translated: int
    fuzzy: int
    missing: int
    review: str


def stats(locales_dir: Path) -> list[Stats]:
    tmpl = template()
    total = sum(1 for m in tmpl if m.id)
    out = [Stats("en", "English (source)", "ltr", total, 0, 0, "source text")]
    for locale in loc.available(locales_dir):
        cat = read(po_path(locales_dir, locale))
        translated = fuzzy = 0
        if cat is not None:
            for src in tmpl:
                if not src.id:
                    continue
                m = cat.get(src.id, context=src.context)
                if m is None or not all(_strings(m)):
                    continue
                if m.fuzzy:
                    fuzzy += 1
                else:
                    translated += 1
        parsed = Locale.parse(locale)
        out.append(
            Stats(
                locale,
                str(parsed.english_name),
                "rtl" if is_rtl(locale) else "ltr",
                translated,
                fuzzy,
                total - translated - fuzzy,
                review_status(cat),
            )
        )
    return out


def review_status(cat: Catalog | None) -> str:
    if cat is None:
        return "unreadable"
    for line in (cat.header_comment or "").splitlines():
        if REVIEW_TAG in line:
            return line.split(REVIEW_TAG, 1)[1].strip()
    return "unknown (no X-Review-Status line in the header comment)"


def table(rows: list[list[str]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def stats_table(locales_dir: Path) -> str:
    head = ["locale", "language", "dir", "translated", "fuzzy", "missing", "review status"]
    body = [
        [
            s.locale,
            s.name,
            s.direction,
            str(s.translated),
            str(s.fuzzy),
            str(s.missing),
            s.review,
        ]
        for s in stats(locales_dir)
    ]
    return table([head, *body])


def longest_sms(locales_dir: Path) -> list[LongestSms]:
    rules = rule_budgets()
    loc.clear_cache()
    out = []
    for locale in [loc.SOURCE_LOCALE, *loc.available(locales_dir)]:
        _, longest = sms_problems(locales_dir, locale, None, rules)
        if longest:
            out.append(max(longest, key=lambda s: (s.segments, s.units)))
    return out
