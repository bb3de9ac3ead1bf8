"""Schedules edited by staff, versioned in Redis (issue 13, the console's Schedules page):
version 1 is the file, a save is the next version (never two of them), a roll back is a new
version with an older text, a changed file is taken in once, and new bookings use the newest
version and say so. Real Redis, the real scripts."""

from __future__ import annotations

import threading
from datetime import time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from reminders.booking import book
from reminders.clock import FixedClock
from reminders.i18n import MESSAGE_KEYS
from reminders.schedule.edit import EditRejected
from reminders.schedule.loader import DEFAULTS_DIR
from reminders.schedule.registry import Registry
from reminders.schedule_versions import FROM_FILE, UnknownVersion, Versions
from reminders.store import ScheduleVersionConflict, Store
from reminders.wiring import Schedules
from tests.factories import BOOKED_AT, make_appointment

ESI = "epidural_steroid_injection"
SHIPPED = DEFAULTS_DIR / f"{ESI}.toml"
BERLIN = ZoneInfo("Europe/Berlin")


def versions_of(store: Store, schedule_dir: Path | None = None) -> Versions:
    """What one process sees (each call: another process, with its own caches)."""
    registry = Registry.build(schedule_dir, MESSAGE_KEYS)
    return Versions(store, registry, MESSAGE_KEYS, FixedClock(BOOKED_AT).now)


def escort_at(store: Store, aid: str = "APT-1001") -> list[time]:
    snap = store.appointments.snapshot(aid)
    assert snap is not None
    return sorted(
        {
            r.due_at.astimezone(BERLIN).time()
            for r in snap.reminders
            if r.rule == "escort" and r.version == snap.version and r.state == "scheduled"
        }
    )


def test_version_1_is_the_file_stored_the_first_time_someone_looks(store: Store) -> None:
    v = versions_of(store)
    used = v.newest(ESI)
    assert used.version is None and store.schedules.newest(ESI) == 0  # a booking writes nothing
    (first,) = v.history(ESI)
    text = SHIPPED.read_text(encoding="utf-8")
    assert (first.version, first.kind, first.by, first.toml) == (1, "seed", FROM_FILE, text)
    assert first.sha256 == Registry.build(None, MESSAGE_KEYS).entry(ESI).sha256
    assert first.at == BOOKED_AT and first.at.tzinfo is not None
    assert len(versions_of(store).history(ESI)) == 1  # another process: still one version
    assert v.newest(ESI).version == 1 and v.newest(ESI).sha256 == first.sha256


def test_a_saved_edit_is_version_2_with_who_when_a_note_a_diff_and_a_staff_audit_entry(
    store: Store,
) -> None:
    v = versions_of(store)
    saved = v.edit(
        ESI,
        "escort",
        {"offset.at": "17:00"},
        based_on=1,
        by="anna",
        at=BOOKED_AT + timedelta(hours=1),
        note="after the afternoon list",
    )
    assert (saved.version, saved.kind, saved.by, saved.based_on) == (2, "edit", "anna", 1)
    assert saved.at == BOOKED_AT + timedelta(hours=1) and saved.note == "after the afternoon list"
    assert [x.version for x in v.history(ESI)] == [1, 2]
    diff = v.diff(ESI, 1, 2)
    assert [str(c) for c in diff.changes] == ["escort: time 10:00 → 17:00"]
    assert '-offset = { days = -3, at = "10:00" }' in diff.unified.splitlines()
    assert '+offset = { days = -3, at = "17:00" }' in diff.unified.splitlines()
    (entry,) = store.contacts.staff_audit()
    assert entry["type"] == "schedule_edited" and entry["by"] == "anna"
    assert (entry["schedule"], entry["version"], entry["based_on"]) == (ESI, 2, 1)
    assert entry["changes"] == ["escort: time 10:00 → 17:00"]
    assert v.newest(ESI).rule("escort").moment.offset.at == time(17, 0)
    assert versions_of(store).newest(ESI).version == 2  # every process


def test_a_refused_edit_stores_nothing(store: Store) -> None:
    v = versions_of(store)
    v.history(ESI)
    with pytest.raises(EditRejected) as refused:
        v.edit(ESI, "escort", {"offset.at": "25:00"}, based_on=1, by="anna", at=BOOKED_AT)
    assert [e.field for e in refused.value.errors] == ["offset.at"]
    with pytest.raises(EditRejected):  # changes nothing
        v.edit(ESI, "escort", {"offset.at": "10:00"}, based_on=1, by="anna", at=BOOKED_AT)
    assert [x.version for x in v.history(ESI)] == [1]
    assert store.contacts.staff_audit() == []


def test_two_saves_based_on_the_same_version_never_both_become_the_next_one(
    store: Store,
) -> None:
    v = versions_of(store)
    v.edit(ESI, "escort", {"offset.at": "17:00"}, based_on=1, by="anna", at=BOOKED_AT)
    with pytest.raises(ScheduleVersionConflict) as late:
        v.edit(ESI, "escort", {"offset.at": "16:00"}, based_on=1, by="ben", at=BOOKED_AT)
    assert (late.value.based_on, late.value.newest) == (1, 2)
    assert "based on version 1" in str(late.value) and "version 2" in str(late.value)
    assert v.version(ESI, 2).by == "anna" and len(v.history(ESI)) == 2


def test_of_many_saves_racing_from_one_version_exactly_one_wins(
    redis_url: str, prefix: str, store: Store
) -> None:
    versions_of(store).history(ESI)
    start = threading.Barrier(8, timeout=10)
    won: list[int] = []
    lost: list[int] = []

    def save(n: int) -> None:
        conn = redis.Redis.from_url(redis_url)
        own = versions_of(Store(conn, prefix))
        conn.ping()
        start.wait()
        try:
            own.edit(ESI, "escort", {"offset.at": f"1{n}:30"}, based_on=1, by=f"u{n}", at=BOOKED_AT)
            won.append(n)
        except ScheduleVersionConflict as exc:
            assert exc.newest == 2
            lost.append(n)
        finally:
            conn.close()

    threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 1 and len(lost) == 7
    history = versions_of(store).history(ESI)
    assert [x.version for x in history] == [1, 2] and history[1].by == f"u{won[0]}"
    assert len(store.contacts.staff_audit()) == 1


def test_a_rollback_is_a_new_version_with_the_old_text_and_history_stays(store: Store) -> None:
    v = versions_of(store)
    v.edit(ESI, "escort", {"offset.at": "17:00"}, based_on=1, by="anna", at=BOOKED_AT)
    back = v.rollback(ESI, 1, based_on=2, by="ben", at=BOOKED_AT + timedelta(days=1))
    assert (back.version, back.kind, back.rollback_of, back.by) == (3, "rollback", 1, "ben")
    history = v.history(ESI)
    assert history[2].toml == history[0].toml and history[2].sha256 == history[0].sha256
    assert history[1].toml != history[0].toml  # version 2 is still there as it was
    assert [str(c) for c in v.diff(ESI, 2, 3).changes] == ["escort: time 17:00 → 10:00"]
    assert v.newest(ESI).rule("escort").moment.offset.at == time(10, 0)
    assert [e["type"] for e in store.contacts.staff_audit()] == [
        "schedule_rolled_back",
        "schedule_edited",
    ]
    with pytest.raises(EditRejected):  # version 3 already says that
        v.rollback(ESI, 1, based_on=3, by="ben", at=BOOKED_AT)
    with pytest.raises(ScheduleVersionConflict):
        v.rollback(ESI, 2, based_on=2, by="ben", at=BOOKED_AT)
    with pytest.raises(UnknownVersion):
        v.rollback(ESI, 9, based_on=3, by="ben", at=BOOKED_AT)


def test_a_file_changed_after_it_was_taken_in_becomes_the_newest_version_once(
    store: Store, tmp_path: Path
) -> None:
    folder = tmp_path / "schedules"
    folder.mkdir()
    own = folder / f"{ESI}.toml"
    own.write_text(SHIPPED.read_text(encoding="utf-8"), encoding="utf-8")
    old_process = versions_of(store, folder)
    old_process.edit(ESI, "escort", {"offset.at": "17:00"}, based_on=1, by="anna", at=BOOKED_AT)
    # IT edits the file and restarts: the new process takes the file in as version 3.
    own.write_text(own.read_text(encoding="utf-8").replace('"18:00"', '"18:30"'), "utf-8")
    new_process = versions_of(store, folder)
    used = new_process.newest(ESI)
    assert used.version == 3 and used.rule("day_before").moment.offset.at == time(18, 30)
    third = new_process.version(ESI, 3)
    assert third.kind == "file" and str(own) in third.source and third.based_on == 2
    # Another process with the same file, and the old process (its file taken long ago):
    # nothing new, and both use version 3.
    assert versions_of(store, folder).newest(ESI).version == 3
    assert old_process.newest(ESI).version == 3
    assert len(new_process.history(ESI)) == 3


def test_bookings_after_a_save_use_the_newest_version_and_record_it(store: Store) -> None:
    schedules = Schedules.load(None)
    schedules.use_versions(store, FixedClock(BOOKED_AT))
    before = schedules.get(ESI)
    book(store, make_appointment(external_id="BEFORE"), before, BOOKED_AT)
    assert escort_at(store, "BEFORE") == [time(10, 0)]
    assert schedules.versions is not None
    schedules.versions.edit(
        ESI, "escort", {"offset.at": "17:00"}, based_on=1, by="anna", at=BOOKED_AT
    )
    after = schedules.get(ESI)
    assert (after.version, after.sha256) == (2, store.schedules.get(ESI, 2).sha256)  # type: ignore[union-attr]
    book(store, make_appointment(external_id="AFTER"), after, BOOKED_AT)
    assert escort_at(store, "AFTER") == [time(17, 0)]
    assert escort_at(store, "BEFORE") == [time(10, 0)]  # only a re-plan changes booked ones
    (booked,) = store.appointments.events("AFTER")
    assert (booked["schedule"], booked["schedule_version"]) == (ESI, 2)
    assert booked["schedule_sha256"] == after.sha256
    (first,) = store.appointments.events("BEFORE")
    assert first["schedule_version"] is None  # planned with the file, before version 1
    assert first["schedule_sha256"] == store.schedules.get(ESI, 1).sha256  # type: ignore[union-attr]


def test_when_redis_does_not_answer_a_send_uses_the_version_seen_last(
    store: Store, prefix: str
) -> None:
    schedules = Schedules.load(None)
    schedules.use_versions(store, FixedClock(BOOKED_AT))
    assert schedules.versions is not None
    schedules.versions.edit(ESI, "escort", {"offset.at": "17:00"}, based_on=1, by="a", at=BOOKED_AT)
    assert schedules.get(ESI).version == 2
    nothing = redis.Redis(host="127.0.0.1", port=1, retry=Retry(NoBackoff(), 0))
    down = Store(nothing, prefix)
    schedules.versions.store = down
    assert schedules.get(ESI).version == 2
    assert schedules.sms_budget(ESI, "escort") == 3
