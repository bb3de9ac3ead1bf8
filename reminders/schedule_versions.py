"""The schedules as staff edit them: stored versions in Redis (``store.schedules``) on top of the
files (``schedule.registry``), which stay the seed and IT's way in.

- What a procedure's bookings are planned with (``newest``): its newest stored version, or the
  file while no version is stored. Version 1 is the file's text, stored the first time someone
  looks at or edits the schedule's versions (``history``, ``edit``, ...).
- A file that changed after it was taken in (IT edited it, an upgrade shipped a new default)
  becomes the newest version the first time a process started with it uses the schedule: files
  keep working as they always did, and the change is in the history (roll back to undo it).
- Every version is checked by the loader before it is stored, so no stored version is broken;
  the store hands the text back to the loader, and the planner stays pure.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from reminders.schedule import Registry, Schedule, loads
from reminders.schedule.changes import Change, changes, unified
from reminders.schedule.edit import Edited, EditRejected, FieldError, Rejected, edit_rule
from reminders.schedule.registry import Loaded
from reminders.store import ScheduleVersion, ScheduleVersionConflict, Store
from reminders.store.schedules import EDIT, ROLLBACK

log = logging.getLogger(__name__)
FROM_FILE = "the schedule file"  # ``by`` of a version taken from the file


class UnknownVersion(KeyError):
    """No such version of that schedule."""

    def __init__(self, procedure: str, version: int) -> None:
        super().__init__(f"{procedure} has no version {version}")
        self.procedure, self.version = procedure, version

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class VersionDiff:
    procedure: str
    old: int
    new: int
    unified: str  # the TOML texts' unified diff
    changes: tuple[Change, ...]  # per rule and field, in words

    def as_json(self) -> dict[str, Any]:
        return {
            "procedure": self.procedure,
            "from": self.old,
            "to": self.new,
            "unified": self.unified,
            "changes": [c.as_json() for c in self.changes],
        }


class Versions:
    """A process's view of the stored versions; parsed versions are kept (a version never
    changes), the newest version's number is read from Redis on every use."""

    def __init__(
        self,
        store: Store,
        registry: Registry,
        known_messages: Collection[str] | None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        """``clock``: when a version taken from the file was taken (the service's clock)."""
        self.store = store
        self.clock = clock
        self.registry = registry
        self.known = known_messages
        self._parsed: dict[tuple[str, int], Schedule] = {}
        self._checked_file: set[str] = set()
        self._last: dict[str, Schedule] = {}

    # --- what bookings use ------------------------------------------------------------------
    def newest(self, procedure: str) -> Schedule:
        """The schedule new bookings, edits and sends of ``procedure`` use. Raises
        UnknownSchedule for a procedure without a file, StoreUnavailable without Redis."""
        entry = self.registry.entry(procedure)
        if procedure not in self._checked_file:
            self._take_changed_file(entry)
            self._checked_file.add(procedure)
        head = self.store.schedules.newest(procedure)
        found = entry.schedule if head == 0 else self.schedule(procedure, head)
        self._last[procedure] = found
        return found

    def last_known(self, procedure: str) -> Schedule | None:
        """What ``newest`` last answered in this process (for when Redis does not answer)."""
        return self._last.get(procedure)

    # --- reading versions -------------------------------------------------------------------
    def history(self, procedure: str) -> list[ScheduleVersion]:
        """Every version, oldest first (version 1, the file's text, is stored if it is not)."""
        self._seed(procedure)
        return self.store.schedules.history(procedure)

    def version(self, procedure: str, version: int) -> ScheduleVersion:
        self._seed(procedure)
        found = self.store.schedules.get(procedure, version) if version >= 1 else None
        if found is None:
            raise UnknownVersion(procedure, version)
        return found

    def head(self, procedure: str) -> int:
        """The newest version's number (storing version 1 first if need be)."""
        self._seed(procedure)
        return self.store.schedules.newest(procedure)

    def schedule(self, procedure: str, version: int) -> Schedule:
        """What the loader makes of a stored version, with its version and SHA-256."""
        cached = self._parsed.get((procedure, version))
        if cached is not None:
            return cached
        stored = self.store.schedules.get(procedure, version)
        if stored is None:
            raise UnknownVersion(procedure, version)
        schedule = replace(
            loads(stored.toml, f"{procedure} version {version}", self.known),
            sha256=stored.sha256,
            version=version,
        )
        self._parsed[(procedure, version)] = schedule
        return schedule

    def diff(self, procedure: str, old: int, new: int) -> VersionDiff:
        a, b = self.version(procedure, old), self.version(procedure, new)
        return VersionDiff(
            procedure,
            old,
            new,
            unified(a.toml, b.toml, f"{procedure} version {old}", f"{procedure} version {new}"),
            tuple(changes(self.schedule(procedure, old), self.schedule(procedure, new))),
        )

    # --- changing them ----------------------------------------------------------------------
    def check_edit(
        self, procedure: str, rule: str | None, fields: Mapping[str, str], *, based_on: int
    ) -> Edited | Rejected:
        """The form's edit applied to version ``based_on`` and checked by the loader, without
        saving: the candidate for a preview, or the errors by field."""
        base = self.version(procedure, based_on)
        return edit_rule(
            base.toml,
            rule,
            fields,
            source=f"{procedure} version {based_on} as edited",
            known_messages=self.known,
        )

    def edit(
        self,
        procedure: str,
        rule: str | None,
        fields: Mapping[str, str],
        *,
        based_on: int,
        by: str,
        at: datetime,
        note: str = "",
    ) -> ScheduleVersion:
        """Save the edit as version ``based_on + 1``. Raises EditRejected (the errors by field;
        also for an edit that changes nothing), ScheduleVersionConflict when another version
        was saved after ``based_on``, UnknownVersion, UnknownSchedule."""
        self._still_newest(procedure, based_on)
        result = self.check_edit(procedure, rule, fields, based_on=based_on)
        if isinstance(result, Rejected):
            raise EditRejected(result.errors)
        if not result.changed:
            raise EditRejected((FieldError("", "", "this changes nothing"),))
        said = [str(c) for c in changes(self.schedule(procedure, based_on), result.schedule)]
        audit = self._audit("schedule_edited", procedure, by, at, note, based_on)
        audit.update(rule=rule, changes=said)
        saved = self.store.schedules.save(
            procedure,
            result.text,
            based_on=based_on,
            by=by,
            at=at.astimezone(UTC),
            note=note,
            kind=EDIT,
            audit=audit,
        )
        log.info("schedule %s: version %d saved by %s", procedure, saved.version, by)
        return saved

    def rollback(
        self, procedure: str, to: int, *, based_on: int, by: str, at: datetime, note: str = ""
    ) -> ScheduleVersion:
        """A new version (``based_on + 1``) with version ``to``'s text: history is never
        rewritten. Raises EditRejected when the newest already says that, or when the old
        text no longer loads (a message it names is gone), and as ``edit`` does."""
        target = self.version(procedure, to)
        base = self.version(procedure, based_on)
        self._still_newest(procedure, based_on)
        if target.sha256 == base.sha256:
            raise EditRejected(
                (FieldError("", "", f"version {based_on} already has version {to}'s text"),)
            )
        schedule = self.schedule(procedure, to)  # raises ScheduleError if it no longer loads
        said = [str(c) for c in changes(self.schedule(procedure, based_on), schedule)]
        audit = self._audit("schedule_rolled_back", procedure, by, at, note, based_on)
        audit.update(rollback_of=to, changes=said)
        return self.store.schedules.save(
            procedure,
            target.toml,
            based_on=based_on,
            by=by,
            at=at.astimezone(UTC),
            note=note or f"back to version {to}",
            kind=ROLLBACK,
            rollback_of=to,
            audit=audit,
        )

    def _still_newest(self, procedure: str, based_on: int) -> None:
        """Said first, so that a stale form hears of the newer version rather than of what its
        values would mean against an old one (the store checks again when it writes)."""
        self.version(procedure, based_on)  # stores version 1 first; UnknownVersion
        newest = self.store.schedules.newest(procedure)
        if based_on != newest:
            raise ScheduleVersionConflict(procedure, based_on, newest)

    # --- the files ----------------------------------------------------------------------------
    def _seed(self, procedure: str) -> None:
        entry = self.registry.entry(procedure)
        if self.store.schedules.newest(procedure) == 0:
            self._take(entry)
        elif procedure not in self._checked_file:
            self._take_changed_file(entry)
        self._checked_file.add(procedure)

    def _take_changed_file(self, entry: Loaded) -> None:
        """Once per process: the file, if versions are stored and the file is not the one last
        taken in. With no version stored nothing is written (the file is what bookings use)."""
        procedure = entry.schedule.procedure
        if self.store.schedules.newest(procedure) == 0:
            return
        if self.store.schedules.file_sha256(procedure) != entry.sha256:
            self._take(entry)

    def _take(self, entry: Loaded) -> None:
        at = self.clock().astimezone(UTC)
        taken = self.store.schedules.take_file(
            entry.schedule.procedure,
            entry.text,
            entry.sha256,
            by=FROM_FILE,
            at=at,
            source=f"{entry.path} ({entry.origin})",
        )
        if taken is not None:
            log.info(
                "schedule %s: version %d taken from %s",
                taken.procedure,
                taken.version,
                entry.path,
            )

    @staticmethod
    def _audit(
        kind: str, procedure: str, by: str, at: datetime, note: str, based_on: int
    ) -> dict[str, Any]:
        return {
            "at": at.astimezone(UTC).isoformat(),
            "type": kind,
            "by": by,
            "schedule": procedure,
            "based_on": based_on,
            "note": note,
        }
