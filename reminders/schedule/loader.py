"""Load and validate staff schedule files (TOML).

A file is validated whole before anything is returned, so a broken file is never half-loaded;
every error names the file, the line, the rule and the field.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection, Mapping
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from reminders.model import CHANNELS
from reminders.schedule.rules import (
    Anchor,
    Condition,
    LatePolicy,
    Moment,
    Offset,
    Outside,
    Per,
    Rule,
    Schedule,
    Window,
)

_E = TypeVar("_E", bound=StrEnum)
DEFAULTS_DIR = Path(__file__).resolve().parent / "defaults"
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_RULE_FIELDS = {
    "key",
    "message",
    "anchor",
    "offset",
    "channels",
    "window",
    "late",
    "when",
    "per",
    "sms_segments",
    "safety",
    "not_before",
    "optional",
    "enabled",
}
_OFFSET_FIELDS = frozenset({"minutes", "hours", "days", "at"})
_UNTIL_FIELDS = _OFFSET_FIELDS | {"anchor"}
_TOP_FIELDS = {"procedure", "name", "window", "rules"}
_LATE_FIELDS = {"policy", "until"}
_WINDOW_FIELDS = {"start", "end", "outside"}
_RULE_HEADER = re.compile(r"^\s*\[\[\s*rules\s*\]\]\s*(#.*)?$")


class ScheduleError(ValueError):
    def __init__(
        self,
        file: str,
        message: str,
        *,
        line: int | None = None,
        rule: str | None = None,
        field: str | None = None,
    ) -> None:
        where = file + (f":{line}" if line else "")
        parts = [where]
        if rule:
            parts.append(f"rule {rule!r}")
        if field:
            parts.append(f"field {field!r}")
        super().__init__(": ".join([", ".join(parts), message]))
        self.file, self.line, self.rule, self.field = file, line, rule, field
        self.message = message  # without the place: a form shows it beside the field


def load(path: Path | str, known_messages: Collection[str] | None = None) -> Schedule:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ScheduleError(str(path), f"cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise ScheduleError(str(path), f"not UTF-8 text (byte {exc.start})") from None
    return loads(text, str(path), known_messages)


def loads(text: str, source: str, known_messages: Collection[str] | None = None) -> Schedule:
    """``known_messages``: the message keys a rule may name (``i18n.MESSAGE_KEYS``, passed in by
    the composition root and the CLI, since planning knows no text); None checks no names."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise ScheduleError(
            source, f"not valid TOML: {exc}", line=int(line.group(1)) if line else None
        ) from None
    return _Parser(text, source, known_messages).schedule(doc)


class _Parser:
    def __init__(self, text: str, source: str, known: Collection[str] | None) -> None:
        self.lines = text.splitlines()
        self.source = source
        self.known = known
        # With a mapping (i18n.MESSAGE_KEYS) the optional sentences a rule names are checked too.
        self.optional_keys: Mapping[str, Collection[str]] | None = (
            known if isinstance(known, Mapping) else None
        )
        self.rule_starts = [i + 1 for i, ln in enumerate(self.lines) if _RULE_HEADER.match(ln)]

    def fail(
        self,
        message: str,
        index: int | None = None,
        rule: str | None = None,
        field: str | None = None,
    ) -> ScheduleError:
        return ScheduleError(
            self.source, message, line=self._line(index, field), rule=rule, field=field
        )

    def _line(self, index: int | None, field: str | None) -> int | None:
        if index is None:
            if field:
                return self._find(0, len(self.lines), field.split(".")[-1])
            return None
        if index >= len(self.rule_starts):
            return None
        start = self.rule_starts[index]
        end = self.rule_starts[index + 1] if index + 1 < len(self.rule_starts) else len(self.lines)
        if field:
            for name in (field.split(".")[0], field.split(".")[-1]):
                found = self._find(start, end, name)
                if found:
                    return found
        return start

    def _find(self, start: int, end: int, name: str) -> int | None:
        pattern = re.compile(
            rf"^\s*(\[\s*rules\.)?{re.escape(name)}\b|[{{,]\s*{re.escape(name)}\s*="
        )
        for i in range(start, end):
            if pattern.search(self.lines[i]):
                return i + 1
        return None

    def schedule(self, doc: dict[str, Any]) -> Schedule:
        for extra in sorted(set(doc) - _TOP_FIELDS):
            raise self.fail(f"unknown field; expected one of {sorted(_TOP_FIELDS)}", field=extra)
        procedure = doc.get("procedure")
        if not isinstance(procedure, str) or not _KEY.fullmatch(procedure):
            raise self.fail(
                "must be a procedure type like 'epidural_steroid_injection'", field="procedure"
            )
        name = doc.get("name", procedure)
        if not isinstance(name, str):
            raise self.fail("must be text", field="name")
        default_window = self.window(doc.get("window"), None, None, Window())
        rules_raw = doc.get("rules")
        if not isinstance(rules_raw, list) or not rules_raw:
            raise self.fail("the file needs at least one [[rules]] table", field="rules")
        rules: list[Rule] = []
        for i, raw in enumerate(rules_raw):
            if not isinstance(raw, dict):
                raise self.fail("each rule must be a table ([[rules]])", i, f"#{i + 1}")
            rule = self.rule(raw, i, default_window)
            if any(r.key == rule.key for r in rules):
                raise self.fail("the same key is used by an earlier rule", i, rule.key, "key")
            rules.append(rule)
        return Schedule(name=name, procedure=procedure, rules=tuple(rules), source=self.source)

    def rule(self, raw: dict[str, Any], i: int, default_window: Window) -> Rule:
        key = raw.get("key")
        label = key if isinstance(key, str) else f"#{i + 1}"
        if not isinstance(key, str) or not _KEY.fullmatch(key):
            raise self.fail("must be lower_snake_case, at most 40 characters", i, label, "key")
        for extra in sorted(set(raw) - _RULE_FIELDS):
            raise self.fail(f"unknown field; expected one of {sorted(_RULE_FIELDS)}", i, key, extra)
        message = raw.get("message")
        if not isinstance(message, str) or (self.known is not None and message not in self.known):
            raise self.fail(
                f"unknown message {message!r}; known: {sorted(self.known or ())}", i, key, "message"
            )
        anchor = self.enum(Anchor, raw.get("anchor"), i, key, "anchor")
        offset = self.offset(raw.get("offset"), i, key, "offset", anchor)
        per = self.enum(Per, raw.get("per", "appointment"), i, key, "per")
        if anchor.is_date and per is not Per.MEDICATION:
            raise self.fail(f'anchor {anchor} needs per = "medication"', i, key, "per")
        channels = raw.get("channels")
        if (
            not isinstance(channels, list)
            or not channels
            or any(c not in CHANNELS for c in channels)
            or len(set(channels)) != len(channels)
        ):
            raise self.fail(
                f"must be a list of distinct channels from {list(CHANNELS)}", i, key, "channels"
            )
        late_raw = raw.get("late", {"policy": "send"})
        if not isinstance(late_raw, dict):
            raise self.fail(
                'must be a table like { policy = "send", until = {...} }', i, key, "late"
            )
        for extra in sorted(set(late_raw) - _LATE_FIELDS):
            raise self.fail(
                f"unknown field; expected {sorted(_LATE_FIELDS)}", i, key, f"late.{extra}"
            )
        late = self.enum(LatePolicy, late_raw.get("policy"), i, key, "late.policy")
        until = self.moment(late_raw, "until", i, key, per, "late.until")
        not_before = self.moment(raw, "not_before", i, key, per, "not_before")
        optional = raw.get("optional", [])
        known_optional = sorted(self.optional_keys.get(message, ())) if self.optional_keys else None
        if (
            not isinstance(optional, list)
            or any(not isinstance(o, str) for o in optional)
            or (known_optional is not None and any(o not in known_optional for o in optional))
        ):
            raise self.fail(
                f"must be a list of this message's optional sentences: {known_optional or []}",
                i,
                key,
                "optional",
            )
        segments = raw.get("sms_segments", 3)
        if isinstance(segments, bool) or not isinstance(segments, int) or not 1 <= segments <= 10:
            raise self.fail("must be a whole number from 1 to 10", i, key, "sms_segments")
        safety = raw.get("safety", False)
        if not isinstance(safety, bool):
            raise self.fail("must be true or false", i, key, "safety")
        enabled = raw.get("enabled", True)
        if not isinstance(enabled, bool):
            raise self.fail("must be true or false", i, key, "enabled")
        return Rule(
            key=key,
            message=message,
            moment=Moment(anchor, offset),
            channels=tuple(channels),
            window=self.window(raw.get("window"), i, key, default_window),
            late=late,
            until=until,
            when=self.enum(Condition, raw.get("when", "always"), i, key, "when"),
            per=per,
            sms_segments=segments,
            safety=safety,
            not_before=not_before,
            optional=tuple(optional),
            enabled=enabled,
        )

    def moment(
        self, raw: dict[str, Any], name: str, i: int, key: str, per: Per, field: str
    ) -> Moment | None:
        """An optional ``{ anchor = ..., <offset> }`` table (late.until, not_before)."""
        if name not in raw:
            return None
        m = raw[name]
        if not isinstance(m, dict):
            raise self.fail("must be a table with an anchor and an offset", i, key, field)
        anchor = self.enum(Anchor, m.get("anchor"), i, key, f"{field}.anchor")
        if anchor.is_date and per is not Per.MEDICATION:
            raise self.fail(
                'a medication anchor needs per = "medication"', i, key, f"{field}.anchor"
            )
        return Moment(anchor, self.offset(m, i, key, field, anchor, _UNTIL_FIELDS))

    def enum(self, kind: type[_E], value: Any, i: int | None, key: str | None, field: str) -> _E:
        try:
            return kind(value)
        except ValueError:
            allowed = ", ".join(repr(str(m)) for m in kind)
            raise self.fail(f"{value!r} is not one of {allowed}", i, key, field) from None

    def offset(
        self,
        raw: Any,
        i: int,
        key: str,
        field: str,
        anchor: Anchor,
        allowed: frozenset[str] = _OFFSET_FIELDS,
    ) -> Offset:
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            raise self.fail(
                'must be a table like { hours = -2 } or { days = -1, at = "18:00" }', i, key, field
            )
        for extra in sorted(set(raw) - allowed):
            raise self.fail(
                "unknown field; use minutes/hours or days + at", i, key, f"{field}.{extra}"
            )
        for name in ("minutes", "hours", "days"):
            v = raw.get(name)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int)):
                raise self.fail("must be a whole number", i, key, f"{field}.{name}")
        elapsed = "minutes" in raw or "hours" in raw
        calendar = "days" in raw or "at" in raw
        if elapsed and calendar:
            raise self.fail(
                "use either elapsed time (minutes/hours) or calendar days + at, not both",
                i,
                key,
                field,
            )
        if calendar:
            if "days" not in raw or "at" not in raw:
                raise self.fail("calendar offsets need both days and at", i, key, field)
            return Offset(days=raw["days"], at=self.time(raw["at"], i, key, f"{field}.at"))
        if anchor.is_date:
            raise self.fail(
                f"anchor {anchor} is a date: give days and at, not minutes/hours", i, key, field
            )
        return Offset(minutes=raw.get("minutes", 0) + 60 * raw.get("hours", 0))

    def time(self, value: Any, i: int | None, key: str | None, field: str) -> time:
        if isinstance(value, time):
            return value
        if isinstance(value, str) and re.fullmatch(r"\d{2}:\d{2}", value):
            try:
                return time.fromisoformat(value)
            except ValueError:
                pass
        raise self.fail(f"{value!r} is not a local time HH:MM", i, key, field)

    def window(self, raw: Any, i: int | None, key: str | None, default: Window) -> Window:
        if raw is None:
            return default
        if not isinstance(raw, dict):
            raise self.fail(
                'must be a table like { start = "08:00", end = "20:00" }', i, key, "window"
            )
        for extra in sorted(set(raw) - _WINDOW_FIELDS):
            raise self.fail(
                f"unknown field; expected {sorted(_WINDOW_FIELDS)}", i, key, f"window.{extra}"
            )
        start = self.time(raw.get("start", default.start.strftime("%H:%M")), i, key, "window.start")
        end = self.time(raw.get("end", default.end.strftime("%H:%M")), i, key, "window.end")
        if not start < end:
            raise self.fail(
                "start must be before end (the window is one local day)", i, key, "window"
            )
        outside = self.enum(
            Outside, raw.get("outside", str(default.outside)), i, key, "window.outside"
        )
        return Window(start, end, outside)
