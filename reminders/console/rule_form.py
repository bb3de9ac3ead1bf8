"""The edit form of one schedule rule (or of the schedule's own name and window): which fields
it shows, their values in the version the form is based on, and the fields a posted form
changes, by the loader's names (``offset.at``, ``late.until.days``, ...).

Only the fields whose value differs from the base version are sent to ``check_edit``: a form
sent back unchanged then changes nothing (rather than writing defaults such as ``enabled =
true`` into the file), and the version's diff shows only what the person changed."""

from __future__ import annotations

import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from typing import Any

from reminders.model import CHANNELS
from reminders.schedule.rules import Anchor, LatePolicy, Outside

ANCHORS = tuple(a.value for a in Anchor)
LATE_POLICIES = tuple(p.value for p in LatePolicy)
OUTSIDE = tuple(o.value for o in Outside)
CHECKS = ("enabled", "safety")  # on/off, sent as a checkbox
_DEFAULT_CHECK = {"enabled": True, "safety": False}  # the loader's defaults
ELAPSED = ("hours", "minutes")
CALENDAR = ("days", "at")


@dataclass(frozen=True)
class Moment:
    """How the form shows an offset (the rule's own) or a moment (``late.until``,
    ``not_before``): calendar days + a time of day, or elapsed hours + minutes."""

    prefix: str  # "offset", "late.until", "not_before"
    calendar: bool
    has_anchor: bool  # late.until and not_before name their own anchor

    @property
    def names(self) -> tuple[str, ...]:
        parts = CALENDAR if self.calendar else ELAPSED
        own = (f"{self.prefix}.anchor",) if self.has_anchor else ()
        return own + tuple(f"{self.prefix}.{p}" for p in parts)


@dataclass(frozen=True)
class RuleForm:
    """What the form shows for one rule (``key`` None: the schedule's own fields)."""

    key: str | None
    raw: Mapping[str, Any]  # the rule's table (or the whole document) in the base version
    moments: tuple[Moment, ...]
    optional_choices: tuple[str, ...]  # the message's optional sentences

    @property
    def names(self) -> tuple[str, ...]:
        """Every field of the form, by the loader's names."""
        if self.key is None:
            return ("name", "window.start", "window.end", "window.outside")
        out = [n for m in self.moments for n in m.names]
        out += ["window.start", "window.end", "window.outside", "channels", "late.policy"]
        out += ["sms_segments", "safety", "enabled"]
        if self.optional_choices:
            out.append("optional")
        return tuple(out)

    @property
    def groups(self) -> frozenset[str]:
        """The tables a loader error may name as a whole (``offset``, ``late.until``)."""
        return frozenset({"window", "late", *(m.prefix for m in self.moments)})

    def current(self) -> dict[str, str]:
        """Each field's value in the base version, as the form shows it."""
        out: dict[str, str] = {}
        for name in self.names:
            value = _lookup(self.raw, name)
            if name in CHECKS:
                on = _DEFAULT_CHECK[name] if value is None else bool(value)
                out[name] = "on" if on else "off"
            elif name == "channels":
                out[name] = ",".join(_ordered(value or (), CHANNELS))
            elif name == "optional":
                out[name] = ",".join(_ordered(value or (), self.optional_choices))
            elif name == "late.policy" and value is None:
                out[name] = LatePolicy.SEND.value  # the loader's default
            else:
                out[name] = "" if value is None else str(value)
        return out

    def posted(self, form: Mapping[str, str]) -> dict[str, str]:
        """The posted form's values by field name (checkboxes: ``channel-sms``, ...)."""
        out: dict[str, str] = {}
        for name in self.names:
            if name in CHECKS:
                out[name] = "on" if form.get(name) else "off"
            elif name == "channels":
                out[name] = ",".join(c for c in CHANNELS if form.get(f"channel-{c}"))
            elif name == "optional":
                out[name] = ",".join(o for o in self.optional_choices if form.get(f"optional-{o}"))
            else:
                out[name] = form.get(name, "").strip()
        return out

    def changed(self, form: Mapping[str, str]) -> dict[str, str]:
        """The fields the posted form changes: what ``check_edit`` and ``edit`` get."""
        before, after = self.current(), self.posted(form)
        return {k: v for k, v in after.items() if v != before[k]}


def rule_form(toml: str, key: str | None, optional: Mapping[str, Collection[str]]) -> RuleForm:
    """The form of rule ``key`` of the schedule ``toml`` (a stored version: it loads). Raises
    KeyError for a key the schedule has no rule for. ``optional``: each message's optional
    sentences (``i18n.MESSAGE_KEYS``)."""
    doc = tomllib.loads(toml)
    if key is None:
        return RuleForm(None, doc, (), ())
    raw = next(
        (r for r in doc.get("rules", []) if isinstance(r, dict) and r.get("key") == key), None
    )
    if raw is None:
        raise KeyError(key)
    anchor = str(raw.get("anchor", ""))
    offset = raw.get("offset", {})
    date_anchor = anchor in (Anchor.MEDICATION_PAUSE, Anchor.MEDICATION_RESUME)
    moments = [Moment("offset", date_anchor or _is_calendar(offset), has_anchor=False)]
    late = raw.get("late", {})
    until = late.get("until", {}) if isinstance(late, dict) else {}
    moments.append(Moment("late.until", _is_calendar(until), has_anchor=True))
    moments.append(Moment("not_before", _is_calendar(raw.get("not_before", {})), has_anchor=True))
    choices = tuple(sorted(optional.get(str(raw.get("message", "")), ())))
    return RuleForm(key, raw, tuple(moments), choices)


def _is_calendar(table: object) -> bool:
    return isinstance(table, dict) and ("days" in table or "at" in table)


def _lookup(table: Mapping[str, Any], name: str) -> Any:
    here: Any = table
    for part in name.split("."):
        if not isinstance(here, Mapping) or part not in here:
            return None
        here = here[part]
    return here


def _ordered(values: Collection[Any], order: tuple[str, ...]) -> list[str]:
    """In the form's order (a list the file writes in another order is the same choice)."""
    given = [str(v) for v in values]
    return [v for v in order if v in given] + [v for v in given if v not in order]
