"""A staff member's change to one rule of a schedule (the console's form: every value a string),
applied to the schedule's TOML text and validated by the loader itself, so there is one set of
rules about what a schedule may say.

The form's field names are the loader's: ``offset.at`` (the time of day), ``offset.days``,
``offset.minutes``, ``offset.hours``, ``anchor``, ``window.start``, ``window.end``,
``window.outside``, ``channels`` (comma-separated), ``late.policy``, ``late.until.anchor``,
``late.until.days`` / ``.at`` / ``.minutes`` / ``.hours``, ``not_before.*`` (the same),
``when``, ``per``, ``message``, ``sms_segments``, ``safety`` and ``enabled`` (on/off),
``optional`` (comma-separated). A field left out stays as it is; a field sent empty is removed
(the loader's default applies, or it says the field is needed). The form's strings are only
given their TOML type here (a whole number, true/false, a list); whether the value is allowed
is the loader's answer, and its error names the field.

Only the changed lines are rewritten, so comments and layout stay and the version's diff shows
just the edit; a value the line edit cannot reach (spread over several lines) makes the whole
file written canonically instead (``emit.document``), which the result says.
"""

from __future__ import annotations

import copy
import re
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from reminders.schedule import emit
from reminders.schedule.loader import ScheduleError, loads
from reminders.schedule.rules import Schedule

_FIELD_NAME = re.compile(r"^[a-z_]{1,40}(\.[a-z_]{1,40}){0,2}$")
_WHOLE = re.compile(r"^[+-]?\d{1,6}$")
_NUMBERS = frozenset({"days", "minutes", "hours", "sms_segments"})
_FLAGS = frozenset({"safety", "enabled"})
_LISTS = frozenset({"channels", "optional"})
_YES = frozenset({"on", "true", "yes", "1"})
_NO = frozenset({"off", "false", "no", "0"})
# Never from the form: a rule's key names its reminders (sent ones too: a new key would send
# them again); the procedure names the schedule; the rules are edited one at a time.
_FIXED_RULE = {"key": "a rule's key names its reminders (also those already sent); it stays"}
_FIXED_TOP = {
    "procedure": "the procedure names the schedule; it stays",
    "rules": "edit the rules one at a time",
}
_HEADER = re.compile(r"^\s*\[")
_RULE_HEADER = re.compile(r"^\s*\[\[\s*rules\s*\]\]\s*(#.*)?$")
_REMOVE = object()


@dataclass(frozen=True)
class FieldError:
    """One problem, for the form: ``field`` is the form's field name (``offset.at``; "" for the
    edit as a whole), ``path`` where it is in the schedule (``rules.escort.offset.at``)."""

    field: str
    path: str
    message: str
    line: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "path": self.path, "message": self.message, "line": self.line}


@dataclass(frozen=True)
class Edited:
    """The new TOML text and the Schedule the loader made of it. ``layout_kept`` is False when
    the whole file had to be written canonically (its comments are then only in the history)."""

    text: str
    schedule: Schedule
    changed: bool
    layout_kept: bool


@dataclass(frozen=True)
class Rejected:
    errors: tuple[FieldError, ...]


class EditRejected(ValueError):
    """An edit the loader refused (or one that changes nothing): ``errors`` name the fields."""

    def __init__(self, errors: tuple[FieldError, ...]) -> None:
        super().__init__("; ".join(f"{e.path or e.field}: {e.message}" for e in errors))
        self.errors = errors


def edit_rule(
    text: str,
    rule: str | None,
    fields: Mapping[str, str],
    *,
    source: str = "<console>",
    known_messages: Collection[str] | None = None,
) -> Edited | Rejected:
    """Apply the form's ``fields`` to rule ``rule`` of the schedule ``text`` (``rule`` None: the
    schedule's own fields, ``name`` and the default ``window.*``). ``text`` must be a schedule
    the loader accepts (a stored version or a file in use)."""
    doc = tomllib.loads(text)
    target = _target(doc, rule)
    if target is None:
        return Rejected((FieldError("rule", "rules", f"no rule {rule!r} in this schedule"),))
    index, _ = target
    where = f"rules.{rule}." if rule is not None else ""
    values: dict[str, Any] = {}
    errors: list[FieldError] = []
    fixed = _FIXED_RULE if rule is not None else _FIXED_TOP
    for name, raw in fields.items():
        if not isinstance(name, str) or not _FIELD_NAME.fullmatch(name):
            errors.append(FieldError(str(name), where + str(name), "not a field of a schedule"))
        elif name.split(".")[0] in fixed:
            errors.append(FieldError(name, where + name, fixed[name.split(".")[0]]))
        elif not isinstance(raw, str):
            errors.append(FieldError(name, where + name, "must be text"))
        else:
            values[name] = _typed(name, raw)
    if errors:
        return Rejected(tuple(errors))
    new_doc = _applied(doc, index, values)
    if isinstance(new_doc, FieldError):
        return Rejected((FieldError(new_doc.field, where + new_doc.field, new_doc.message),))
    new_text, kept = _rewrite(text, doc, new_doc, index)
    try:
        schedule = loads(new_text, source, known_messages)
    except ScheduleError as exc:
        found = [_field_error(exc, rule)]
        # The loader stops at the first problem; each group of fields (offset.*, window.*, ...)
        # is tried alone too, so that the form can show every field that is wrong at once.
        groups = {name.split(".")[0] for name in values}
        if len(groups) > 1:
            for group in sorted(groups):
                alone = {k: v for k, v in values.items() if k.split(".")[0] == group}
                problem = _problem(text, doc, index, alone, source, known_messages, rule)
                if problem and all(problem.field != f.field for f in found):
                    found.append(problem)
        return Rejected(tuple(found))
    return Edited(new_text, schedule, changed=new_doc != doc, layout_kept=kept)


def _problem(
    text: str,
    doc: dict[str, Any],
    index: int | None,
    values: dict[str, Any],
    source: str,
    known: Collection[str] | None,
    rule: str | None,
) -> FieldError | None:
    new_doc = _applied(doc, index, values)
    if isinstance(new_doc, FieldError):
        return None
    try:
        loads(_rewrite(text, doc, new_doc, index)[0], source, known)
    except ScheduleError as exc:
        return _field_error(exc, rule)
    return None


def _field_error(exc: ScheduleError, rule: str | None) -> FieldError:
    field = exc.field or ""
    if exc.rule and not exc.rule.startswith("#"):
        path = f"rules.{exc.rule}.{field}" if field else f"rules.{exc.rule}"
        if exc.rule != rule:
            field = path  # about another rule: the form has no field for it
    else:
        path = field
    return FieldError(field, path, exc.message, exc.line)


def _target(doc: dict[str, Any], rule: str | None) -> tuple[int | None, dict[str, Any]] | None:
    if rule is None:
        return None, doc
    for i, raw in enumerate(doc.get("rules", [])):
        if isinstance(raw, dict) and raw.get("key") == rule:
            return i, raw
    return None


def _typed(name: str, raw: str) -> Any:
    """The form's string as the TOML value it means; a string the loader will refuse when it
    is not (``"ten"`` for a number stays a string: the loader says it must be a whole number)."""
    v = raw.strip()
    if not v:
        return _REMOVE
    last = name.rsplit(".", maxsplit=1)[-1]
    if last in _NUMBERS and _WHOLE.fullmatch(v):
        return int(v)
    if last in _FLAGS and v.lower() in _YES | _NO:
        return v.lower() in _YES
    if name in _LISTS:
        return [part.strip() for part in v.split(",") if part.strip()]
    return v


def _applied(
    doc: dict[str, Any], index: int | None, values: dict[str, Any]
) -> dict[str, Any] | FieldError:
    new = copy.deepcopy(doc)
    table = new if index is None else new["rules"][index]
    for name, v in values.items():
        parts = name.split(".")
        here = table
        for part in parts[:-1]:
            nxt = here.get(part)
            if nxt is None:
                if v is _REMOVE:
                    break
                nxt = here[part] = {}
            if not isinstance(nxt, dict):
                return FieldError(name, name, f"{part!r} is not a table here")
            here = nxt
        else:
            if v is _REMOVE:
                here.pop(parts[-1], None)
            else:
                here[parts[-1]] = v
    _prune(table)
    return new


def _prune(table: dict[str, Any]) -> None:
    """Tables the form emptied go (``late.until`` with no field left means no ``until``)."""
    for k in list(table):
        v = table[k]
        if isinstance(v, dict):
            _prune(v)
            if not v:
                del table[k]


def _rewrite(
    text: str, old: dict[str, Any], new: dict[str, Any], index: int | None
) -> tuple[str, bool]:
    """``text`` with the lines of the changed fields rewritten, or the canonical document when
    that does not give ``new`` (False: the layout was not kept)."""
    if old == new:
        return text, True
    before = old if index is None else old["rules"][index]
    after = new if index is None else new["rules"][index]
    lines = text.splitlines(keepends=True)
    start, end = _region(lines, index)
    changed = [k for k in dict.fromkeys([*before, *after]) if before.get(k) != after.get(k)]
    for k in changed:
        found = _line_of(lines, start, end, k, before.get(k))
        if found is None and k in before:
            break  # the value is not on one line of its own: no line edit reaches it
        if found is None:
            at = _last_field(lines, start, end)
            newline = _newline(lines)
            if at > 0 and not lines[at - 1].endswith(("\n", "\r")):
                lines[at - 1] += newline
            lines.insert(at, f"{emit.key(k)} = {emit.value(after[k])}{newline}")
            end += 1
            continue
        i, indent, comment = found
        if k not in after:
            del lines[i]
            end -= 1
        else:
            eol = lines[i][len(lines[i].rstrip("\r\n")) :] or ""
            tail = f"  {comment}" if comment else ""
            lines[i] = f"{indent}{emit.key(k)} = {emit.value(after[k])}{tail}{eol}"
    else:
        out = "".join(lines)
        try:
            if tomllib.loads(out) == new:
                return out, True
        except tomllib.TOMLDecodeError:
            pass
    return emit.document(new), False


def _region(lines: list[str], index: int | None) -> tuple[int, int]:
    """The lines of one table: the top level (before the first header) or the index-th
    ``[[rules]]`` (up to the next header of any kind)."""
    if index is None:
        end = next((i for i, ln in enumerate(lines) if _HEADER.match(ln)), len(lines))
        return 0, end
    headers = [i for i, ln in enumerate(lines) if _RULE_HEADER.match(ln)]
    start = headers[index] + 1
    end = next((i for i in range(start, len(lines)) if _HEADER.match(lines[i])), len(lines))
    return start, end


def _line_of(
    lines: list[str], start: int, end: int, k: str, current: Any
) -> tuple[int, str, str] | None:
    """The line holding ``k = <current>`` whole: its index, indentation and trailing comment."""
    pattern = re.compile(rf"^(\s*){re.escape(k)}\s*=")
    for i in range(start, end):
        m = pattern.match(lines[i])
        if not m:
            continue
        line = lines[i].rstrip("\r\n")
        for cut in [pos for pos, ch in enumerate(line) if ch == "#"] + [len(line)]:
            try:
                if tomllib.loads(line[:cut]) == {k: current}:
                    return i, m.group(1), line[cut:].strip()
            except tomllib.TOMLDecodeError:
                continue
        return None
    return None


def _last_field(lines: list[str], start: int, end: int) -> int:
    """Where a new field goes: after the table's last ``name = value`` line."""
    last = start
    for i in range(start, end):
        stripped = lines[i].strip()
        if stripped and not stripped.startswith("#"):
            last = i + 1
    return last


def _newline(lines: list[str]) -> str:
    return "\r\n" if lines and lines[0].endswith("\r\n") else "\n"
