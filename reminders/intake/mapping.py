"""The clinic's mapping file (``REMINDERS_HL7_MAPPING``, TOML): procedure codes -> schedules,
locations -> name, address, phone and zone, language codes -> tags, the region numbers without
a ``+`` are read in, and where in an SIU message each value is. Everything has a default, so no
file at all is a valid mapping. A bad file stops the process, naming the file, line and key."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers

from reminders.model import zone_problem

# SEG-F or SEG-F.C: a field, or one component of it, of the first segment with that id.
_POSITION = re.compile(r"^([A-Z][A-Z0-9]{2})-(\d{1,3})(?:\.(\d{1,2}))?$")

# Where each value is read in an SIU message, first non-empty wins (the README's table).
HL7_DEFAULTS: dict[str, tuple[str, ...]] = {
    "external_id": ("SCH-2.1", "SCH-1.1"),
    "start": ("SCH-11.4", "AIS-4"),
    # A duration's units are in the field after it (AIS-8, SCH-10).
    "duration": ("AIS-7", "SCH-9"),
    "procedure": ("AIS-3.1",),
    "location": ("AIL-3.1",),
    "name": ("PID-5",),
    "telecom": ("PID-13",),
    "language": ("PID-15.1",),
}
DEFAULT_REGION = "US"


class MappingError(ValueError):
    def __init__(self, file: str, message: str, *, line: int | None = None, key: str = "") -> None:
        where = file + (f":{line}" if line else "")
        super().__init__(f"{where}: {key + ': ' if key else ''}{message}")
        self.file, self.line, self.key = file, line, key


@dataclass(frozen=True)
class Position:
    """One place in an SIU message: ``AIS-3.1`` is segment AIS, field 3, component 1."""

    segment: str
    field: int
    component: int | None = None

    @classmethod
    def parse(cls, text: str) -> Position:
        m = _POSITION.match(text)
        if not m:
            raise ValueError(f"{text!r} is not a position like PID-13 or AIS-3.1")
        return cls(m.group(1), int(m.group(2)), int(m.group(3)) if m.group(3) else None)

    def __str__(self) -> str:
        return f"{self.segment}-{self.field}" + (f".{self.component}" if self.component else "")


@dataclass(frozen=True)
class Place:
    name: str
    address: str
    phone: str
    timezone: str | None = None


@dataclass(frozen=True)
class Mapping:
    source: str = "(defaults)"
    default_region: str = DEFAULT_REGION
    procedures: dict[str, str] = field(default_factory=dict)
    languages: dict[str, str] = field(default_factory=dict)
    locations: dict[str, Place] = field(default_factory=dict)
    hl7: dict[str, tuple[Position, ...]] = field(
        default_factory=lambda: {k: tuple(map(Position.parse, v)) for k, v in HL7_DEFAULTS.items()}
    )

    def procedure(self, *codes: str) -> str | None:
        """The schedule of the first code the file names (``system|code`` or ``code``), else
        the first code that is itself a schedule's name (``epidural_steroid_injection``)."""
        for code in codes:
            if code in self.procedures:
                return self.procedures[code]
        return next((c for c in codes if _procedure_problem(c) is None), None)

    def language(self, code: str) -> str:
        return self.languages.get(code, self.languages.get(code.lower(), code))


def load(path: Path | None) -> Mapping:
    """The mapping in ``path``, or the defaults when None. Raises MappingError."""
    if path is None:
        return Mapping()
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(name, f"cannot read it: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise MappingError(
            name, f"not valid TOML: {exc}", line=int(line.group(1)) if line else None
        ) from None
    return _Reader(name, text).mapping(data)


class _Reader:
    def __init__(self, source: str, text: str) -> None:
        self.source = source
        self.lines = text.splitlines()

    def fail(self, key: str, message: str) -> MappingError:
        return MappingError(self.source, message, line=self._line(key), key=key)

    def _line(self, key: str) -> int | None:
        """The line that sets ``key`` (its last part), else the table that holds it."""
        *tables, last = key.split(".")
        start = 0
        if tables:
            header = re.compile(r"^\s*\[\s*" + r"\s*\.\s*".join(map(_quoted, tables)) + r"\s*\]")
            start = next((i for i, ln in enumerate(self.lines) if header.match(ln)), 0)
        setting = re.compile(r"^\s*" + _quoted(last) + r"\s*=")
        for i in range(start, len(self.lines)):
            if setting.match(self.lines[i]):
                return i + 1
        return start + 1 if tables else None

    def mapping(self, data: dict[str, Any]) -> Mapping:
        known = {"default_region", "procedures", "languages", "locations", "hl7"}
        for key in data:
            if key not in known:
                raise self.fail(key, f"unknown setting (known: {', '.join(sorted(known))})")
        region = data.get("default_region", DEFAULT_REGION)
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise self.fail("default_region", "not a region code like DE or US")
        return Mapping(
            source=self.source,
            default_region=region,
            procedures=self._strings(data, "procedures", _procedure_problem),
            languages=self._strings(data, "languages", lambda v: None),
            locations={k: self._place(k, v) for k, v in self._table(data, "locations").items()},
            hl7=self._positions(self._table(data, "hl7")),
        )

    def _table(self, data: dict[str, Any], key: str) -> dict[str, Any]:
        value = data.get(key, {})
        if not isinstance(value, dict):
            raise self.fail(key, "must be a table")
        return value

    def _strings(self, data: dict[str, Any], key: str, problem: Any) -> dict[str, str]:
        out = {}
        for k, v in self._table(data, key).items():
            if not isinstance(v, str) or not v or (why := problem(v)):
                raise self.fail(f"{key}.{k}", why if isinstance(v, str) and v else "must be text")
            out[k] = v
        return out

    def _place(self, code: str, value: Any) -> Place:
        where = f"locations.{code}"
        if not isinstance(value, dict):
            raise self.fail(where, "must be a table with name, address, phone")
        for key in value:
            if key not in ("name", "address", "phone", "timezone"):
                raise self.fail(f"{where}.{key}", "unknown (name, address, phone, timezone)")
        texts = {}
        for key in ("name", "address", "phone"):
            if not isinstance(value.get(key), str) or not value[key].strip():
                raise self.fail(f"{where}.{key}", "missing or empty")
            texts[key] = value[key].strip()
        zone = value.get("timezone")
        if zone is not None and (not isinstance(zone, str) or zone_problem(zone)):
            raise self.fail(f"{where}.timezone", "not a canonical IANA zone (Europe/Berlin)")
        return Place(timezone=zone, **texts)

    def _positions(self, table: dict[str, Any]) -> dict[str, tuple[Position, ...]]:
        out = {k: tuple(map(Position.parse, v)) for k, v in HL7_DEFAULTS.items()}
        for key, value in table.items():
            if key not in HL7_DEFAULTS:
                raise self.fail(f"hl7.{key}", f"unknown (known: {', '.join(HL7_DEFAULTS)})")
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not items:
                raise self.fail(f"hl7.{key}", "must be a position or a list of them")
            try:
                out[key] = tuple(
                    Position.parse(p) if isinstance(p, str) else _bad(p) for p in items
                )
            except ValueError as exc:
                raise self.fail(f"hl7.{key}", str(exc)) from None
        return out


def _bad(value: Any) -> Position:
    raise ValueError(f"{value!r} is not a position like PID-13 or AIS-3.1")


def _quoted(key: str) -> str:
    return r"[\"']?" + re.escape(key) + r"[\"']?"


def _procedure_problem(value: str) -> str | None:
    if re.fullmatch(r"[a-z][a-z0-9_]{0,39}", value):
        return None
    return "must name a schedule (lower case, like epidural_steroid_injection)"
