"""Schedules edited by staff: per procedure, versions 1..n, each the whole TOML text with its
SHA-256, who saved it, when (UTC), a note and what kind of change it was. History is never
rewritten: a roll back is a new version with an older one's text.

The store keeps the text; whether the text is a valid schedule is the loader's business
(``schedule_versions`` validates before anything is saved, so no stored version is broken).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis

from reminders.store.keys import Keys
from reminders.store.lua import source
from reminders.store.record import text

# What made a version: the file it was seeded from, the file again after it changed (IT edited
# it, or an upgrade shipped a new default), a staff edit, a roll back to an older version.
SEED, FILE, EDIT, ROLLBACK = "seed", "file", "edit", "rollback"
_RETRIES = 20


class ScheduleVersionConflict(Exception):
    """Someone saved a version after the one this change was based on."""

    def __init__(self, procedure: str, based_on: int, newest: int) -> None:
        super().__init__(
            f"{procedure}: this change was based on version {based_on}, but version {newest} "
            "has been saved since; look at it and make the change again"
        )
        self.procedure, self.based_on, self.newest = procedure, based_on, newest


@dataclass(frozen=True)
class ScheduleVersion:
    procedure: str
    version: int
    toml: str
    sha256: str
    by: str
    at: datetime
    note: str
    kind: str  # SEED, FILE, EDIT or ROLLBACK
    based_on: int  # the newest version when it was saved (0 for the seed)
    rollback_of: int | None = None  # for ROLLBACK: whose text it has
    source: str = ""  # for SEED and FILE: the file

    def as_json(self, *, with_toml: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {
            "procedure": self.procedure,
            "version": self.version,
            "sha256": self.sha256,
            "by": self.by,
            "at": self.at.isoformat(),
            "note": self.note,
            "kind": self.kind,
            "based_on": self.based_on,
            "rollback_of": self.rollback_of,
            "source": self.source,
        }
        if with_toml:
            out["toml"] = self.toml
        return out


def sha256(toml: str) -> str:
    return hashlib.sha256(toml.encode("utf-8")).hexdigest()


class Schedules:
    def __init__(self, client: redis.Redis, keys: Keys) -> None:
        self.r = client
        self.keys = keys
        self._save = client.register_script(source("schedule_save"))

    def newest(self, procedure: str) -> int:
        """The newest version's number; 0 when none is stored yet."""
        raw = self.r.hget(self.keys.schedule_versions(procedure), "head")
        return int(raw) if raw else 0

    def get(self, procedure: str, version: int) -> ScheduleVersion | None:
        raw = self.r.hget(self.keys.schedule_versions(procedure), f"v:{version}")
        return _decode(procedure, version, raw) if raw else None

    def history(self, procedure: str) -> list[ScheduleVersion]:
        """Every version, oldest first."""
        raw = self.r.hgetall(self.keys.schedule_versions(procedure))
        out = [
            _decode(procedure, int(text(k)[2:]), v)
            for k, v in raw.items()
            if text(k).startswith("v:")
        ]
        return sorted(out, key=lambda v: v.version)

    def file_sha256(self, procedure: str) -> str | None:
        """The SHA-256 of the file last taken in as a version."""
        raw = self.r.hget(self.keys.schedule_versions(procedure), "file")
        return text(raw) if raw else None

    def save(
        self,
        procedure: str,
        toml: str,
        *,
        based_on: int,
        by: str,
        at: datetime,
        note: str,
        kind: str,
        rollback_of: int | None = None,
        audit: dict[str, Any] | None = None,
    ) -> ScheduleVersion:
        """Version ``based_on + 1``, unless another was saved since ``based_on`` (then
        ScheduleVersionConflict naming both). ``audit``: the staff audit entry written in the
        same step (its ``version`` is filled in)."""
        version = ScheduleVersion(
            procedure, based_on + 1, toml, sha256(toml), by, at, note, kind, based_on, rollback_of
        )
        entry = {**audit, "version": version.version} if audit is not None else None
        status, head = self._run(version, file_sha="", only_new_file=False, audit=entry)
        if status != "ok":
            raise ScheduleVersionConflict(procedure, based_on, head)
        return version

    def take_file(
        self, procedure: str, toml: str, file_sha256: str, *, by: str, at: datetime, source: str
    ) -> ScheduleVersion | None:
        """The file's text as the next version (version 1: the seed), unless that file is the
        one last taken in; None then. Safe when several processes start at once: the file is
        taken once."""
        for _ in range(_RETRIES):
            head = self.newest(procedure)
            kind = SEED if head == 0 else FILE
            note = (
                "taken from the file" if head == 0 else "the file changed: taken in as the newest"
            )
            version = ScheduleVersion(
                procedure, head + 1, toml, sha256(toml), by, at, note, kind, head, None, source
            )
            # The seed is no change anyone made; a file changed later is (IT's), for the audit.
            audit = (
                {
                    "at": at.isoformat(),
                    "type": "schedule_from_file",
                    "by": by,
                    "schedule": procedure,
                    "version": version.version,
                    "file": source,
                }
                if kind == FILE
                else None
            )
            status, _ = self._run(version, file_sha=file_sha256, only_new_file=True, audit=audit)
            if status == "same":
                return None
            if status == "ok":
                return version
            # conflict: someone saved meanwhile; look again
        raise ScheduleVersionConflict(procedure, head, self.newest(procedure))

    def record_audit(self, entry: dict[str, Any]) -> None:
        """An entry in the staff audit (store.contacts.staff_audit reads it)."""
        self.r.rpush(self.keys.staff_audit, json.dumps(entry, ensure_ascii=False))

    def _run(
        self,
        version: ScheduleVersion,
        *,
        file_sha: str,
        only_new_file: bool,
        audit: dict[str, Any] | None,
    ) -> tuple[str, int]:
        record = {
            "toml": version.toml,
            "sha256": version.sha256,
            "by": version.by,
            "at": version.at.isoformat(),
            "note": version.note,
            "kind": version.kind,
            "based_on": version.based_on,
            "rollback_of": version.rollback_of,
            "source": version.source,
        }
        out = self._save(
            keys=[self.keys.schedule_versions(version.procedure), self.keys.staff_audit],
            args=[
                str(version.based_on),
                json.dumps(record, ensure_ascii=False),
                file_sha,
                "1" if only_new_file else "",
                json.dumps(audit, ensure_ascii=False) if audit is not None else "",
            ],
        )
        return text(out[0]), int(out[1])


def _decode(procedure: str, version: int, raw: bytes | str) -> ScheduleVersion:
    r: dict[str, Any] = json.loads(raw)
    return ScheduleVersion(
        procedure=procedure,
        version=version,
        toml=r["toml"],
        sha256=r["sha256"],
        by=r["by"],
        at=datetime.fromisoformat(r["at"]),
        note=r.get("note") or "",
        kind=r["kind"],
        based_on=int(r.get("based_on") or 0),
        rollback_of=r.get("rollback_of"),
        source=r.get("source") or "",
    )
