"""What changed between two versions of a schedule, for people: the unified diff of the TOML
text, and one line per rule and field in words ("escort: time 10:00 → 17:00"), compared on what
the loader made of each text (so a new default window shows on every rule that uses it)."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from reminders.schedule.rules import Moment, Rule, Schedule, Window


@dataclass(frozen=True)
class Change:
    """``rule`` "" is the schedule itself; ``field`` "rule" is a rule added or removed."""

    rule: str
    field: str
    before: str
    after: str

    def __str__(self) -> str:
        where = self.rule or "schedule"
        if self.field == "rule":
            return f"{where}: {self.after}"
        return f"{where}: {self.field} {self.before} → {self.after}"

    def as_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "field": self.field,
            "before": self.before,
            "after": self.after,
            "text": str(self),
        }


def unified(old_text: str, new_text: str, old_label: str, new_label: str) -> str:
    return "".join(
        difflib.unified_diff(
            old_text.splitlines(keepends=True),
            new_text.splitlines(keepends=True),
            fromfile=old_label,
            tofile=new_label,
        )
    )


def changes(old: Schedule, new: Schedule) -> list[Change]:
    out: list[Change] = []
    if old.name != new.name:
        out.append(Change("", "name", old.name, new.name))
    before = {r.key: r for r in old.rules}
    for rule in new.rules:
        if rule.key not in before:
            out.append(Change(rule.key, "rule", "", "added"))
            continue
        out.extend(_rule_changes(before[rule.key], rule))
    now = {r.key for r in new.rules}
    out.extend(Change(r.key, "rule", "", "removed") for r in old.rules if r.key not in now)
    return out


def _rule_changes(a: Rule, b: Rule) -> list[Change]:
    out = [Change(a.key, f, x, y) for f, x, y in _offset(a.moment, b.moment) if x != y]
    fields: list[tuple[str, Callable[[Rule], str]]] = [
        ("enabled", lambda r: "on" if r.enabled else "off"),
        ("message", lambda r: r.message),
        ("channels", lambda r: ", ".join(r.channels)),
        ("window", lambda r: _window(r.window)),
        ("late policy", lambda r: str(r.late)),
        ("late until", lambda r: _moment(r.until)),
        ("not before", lambda r: _moment(r.not_before)),
        ("when", lambda r: str(r.when)),
        ("per", lambda r: str(r.per)),
        ("sms segments", lambda r: str(r.sms_segments)),
        ("safety", lambda r: "yes" if r.safety else "no"),
        ("optional", lambda r: ", ".join(r.optional) or "none"),
    ]
    for name, show in fields:
        x, y = show(a), show(b)
        if x != y:
            out.append(Change(a.key, name, x, y))
    return out


def _offset(a: Moment, b: Moment) -> list[tuple[str, str, str]]:
    """The anchor, then the offset: a calendar offset's time and days on their own when only
    one of them changed (the console's "time of day")."""
    out = [("anchor", str(a.anchor), str(b.anchor))]
    x, y = a.offset, b.offset
    if x.is_calendar and y.is_calendar:
        out.append(("days", f"{x.days:+d}", f"{y.days:+d}"))
        out.append(("time", _hhmm(x.at), _hhmm(y.at)))
    else:
        out.append(("offset", x.describe(), y.describe()))
    return out


def _hhmm(t: Any) -> str:
    return f"{t:%H:%M}" if t is not None else "-"


def _window(w: Window) -> str:
    return f"{w.start:%H:%M}–{w.end:%H:%M} ({w.outside})"


def _moment(m: Moment | None) -> str:
    if m is None:
        return "none"
    return f"{m.anchor} {m.offset.describe()}"
