"""Every schedule file the service uses, found once and loaded whole: the shipped defaults, each
replaced by the file of the same name in the clinic's folder (``REMINDERS_SCHEDULE_DIR``), plus
the folder's schedules for procedures of its own.

A procedure's schedule is looked up by its name, an identifier (``epidural_steroid_injection``)
checked against a safe charset, in the table built here; a name is never joined to a path. The
composition root (``wiring``) builds the table at start and refuses to start on any problem
(a missing folder, a broken file: its file, line, rule and field named); ``reminders schedule
check`` builds the same table.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Self

from reminders.schedule.loader import DEFAULTS_DIR, ScheduleError, loads
from reminders.schedule.rules import Schedule

# A procedure's name: what `procedure = ...` in a file may say, and what its file is called.
PROCEDURE_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
SHIPPED = "shipped"
CLINIC = "REMINDERS_SCHEDULE_DIR"


class UnknownSchedule(ScheduleError):
    """No schedule in the registry for that procedure (or it is not a procedure name at all)."""

    def __init__(self, name: str) -> None:
        shown = name if len(name) <= 60 else name[:57] + "..."
        super().__init__(f"procedure {shown!r}", "no schedule for this procedure")
        self.name = name


class SchedulesBroken(ValueError):
    """Some schedule files cannot be used; ``problems`` holds one ScheduleError per file."""

    def __init__(self, problems: list[ScheduleError]) -> None:
        lines = [f"  {p}" for p in problems]
        super().__init__(
            f"{len(problems)} schedule file(s) cannot be used, nothing was loaded:\n"
            + "\n".join(lines)
        )
        self.problems = problems


@dataclass(frozen=True)
class Loaded:
    """One schedule in use: where it came from and the SHA-256 of the bytes that were loaded."""

    schedule: Schedule
    path: Path
    origin: str  # SHIPPED or CLINIC
    sha256: str
    overrides: Path | None = None  # the shipped file this one replaces
    text: str = ""  # what was loaded: the seed of the schedule's stored versions

    def describe(self) -> dict[str, object]:
        return {
            "file": str(self.path),
            "origin": self.origin,
            "sha256": self.sha256,
            "overrides": str(self.overrides) if self.overrides else None,
            "title": self.schedule.name,
            "rules": len(self.schedule.rules),
        }


def is_procedure_name(name: object) -> bool:
    return isinstance(name, str) and PROCEDURE_NAME.fullmatch(name) is not None


def _toml_files(folder: Path) -> list[Path]:
    """The schedule files of a folder: ``*.toml``, not hidden (an editor's ``.x.toml``)."""
    return sorted(p for p in folder.iterdir() if p.suffix == ".toml" and not p.name.startswith("."))


def files(schedule_dir: Path | None) -> tuple[dict[str, tuple[Path, str]], list[ScheduleError]]:
    """procedure -> (file, origin) for every file the service would load, and the problems
    found without reading any file (a missing or empty folder, a file name that is no
    procedure name)."""
    found: dict[str, tuple[Path, str]] = {p.stem: (p, SHIPPED) for p in _toml_files(DEFAULTS_DIR)}
    problems: list[ScheduleError] = []
    if schedule_dir is None:
        return found, problems
    if not schedule_dir.is_dir():
        problems.append(ScheduleError(str(schedule_dir), f"{CLINIC}: no such folder"))
        return found, problems
    try:
        own = _toml_files(schedule_dir)
    except OSError as exc:
        problems.append(ScheduleError(str(schedule_dir), f"{CLINIC}: cannot read: {exc.strerror}"))
        return found, problems
    if not own:
        problems.append(
            ScheduleError(str(schedule_dir), f"{CLINIC}: the folder holds no schedule (*.toml)")
        )
    for path in own:
        if not is_procedure_name(path.stem):
            problems.append(
                ScheduleError(
                    str(path),
                    "the file name must be the procedure's name and .toml, in lower_snake_case "
                    "(e.g. epidural_steroid_injection.toml)",
                )
            )
            continue
        found[path.stem] = (path, CLINIC)
    return found, problems


def _load(
    path: Path, procedure: str, known_messages: Collection[str] | None
) -> tuple[Schedule, str, str]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ScheduleError(str(path), f"cannot read: {exc.strerror}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScheduleError(str(path), f"not UTF-8 text (byte {exc.start})") from None
    schedule = loads(text, str(path), known_messages)
    if schedule.procedure != procedure:
        raise ScheduleError(
            str(path),
            f"the file is named {procedure}.toml but says procedure = {schedule.procedure!r}: "
            f"rename it {schedule.procedure}.toml or change the field",
            line=_line_of(text, "procedure"),
            field="procedure",
        )
    digest = hashlib.sha256(raw).hexdigest()
    return replace(schedule, sha256=digest), digest, text


def _line_of(text: str, field: str) -> int | None:
    pattern = re.compile(rf"^\s*{re.escape(field)}\s*=")
    for i, line in enumerate(text.splitlines(), start=1):
        if pattern.match(line):
            return i
    return None


def load_all(
    schedule_dir: Path | None, known_messages: Collection[str] | None
) -> tuple[dict[str, Loaded], list[ScheduleError]]:
    """Every schedule the service would use, each file read once and validated whole, and
    every problem found (one per file)."""
    found, problems = files(schedule_dir)
    shipped = {p.stem: p for p in _toml_files(DEFAULTS_DIR)}
    loaded: dict[str, Loaded] = {}
    for procedure, (path, origin) in sorted(found.items()):
        try:
            schedule, digest, text = _load(path, procedure, known_messages)
        except ScheduleError as exc:
            problems.append(exc)
            continue
        replaced = shipped.get(procedure) if origin == CLINIC else None
        loaded[procedure] = Loaded(schedule, path, origin, digest, replaced, text)
    return loaded, problems


class Registry:
    """The schedules by procedure name, loaded once (``build``); lookups never touch files."""

    def __init__(self, entries: Mapping[str, Loaded], schedule_dir: Path | None = None) -> None:
        self._entries = dict(entries)
        self.schedule_dir = schedule_dir

    @classmethod
    def build(cls, schedule_dir: Path | None, known_messages: Collection[str] | None) -> Self:
        """Raises SchedulesBroken, naming every problem, unless every file is usable."""
        loaded, problems = load_all(schedule_dir, known_messages)
        if problems:
            raise SchedulesBroken(problems)
        return cls(loaded, schedule_dir)

    def entry(self, procedure: str) -> Loaded:
        """Raises UnknownSchedule (a ScheduleError) for a name the registry does not hold."""
        if not is_procedure_name(procedure) or procedure not in self._entries:
            raise UnknownSchedule(procedure)
        return self._entries[procedure]

    def get(self, procedure: str) -> Schedule:
        return self.entry(procedure).schedule

    def procedures(self) -> list[str]:
        return sorted(self._entries)

    def entries(self) -> list[Loaded]:
        return [self._entries[p] for p in self.procedures()]

    def describe(self) -> dict[str, dict[str, object]]:
        """procedure -> file, origin, SHA-256, ... (for /health and GET /schedules)."""
        return {p: self._entries[p].describe() for p in self.procedures()}


def find(procedure: str, schedule_dir: Path | None = None) -> Path:
    """The file the service would load for ``procedure`` (a name, never a path)."""
    if not is_procedure_name(procedure):
        raise UnknownSchedule(procedure)
    found, _ = files(schedule_dir)
    if procedure not in found:
        raise UnknownSchedule(procedure)
    return found[procedure][0]
