"""Re-planning the pending reminders of future appointments after a schedule changed (issue 13):
the dry run's counts are what applying then changes; reminders already sent are never sent
again; appointments whose procedure has begun, or that are cancelled, are left alone; applying
twice changes nothing; an appointment edited meanwhile is re-planned from what it is now."""

from __future__ import annotations

from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
import redis

from reminders import booking, replan
from reminders.booking import book, cancel
from reminders.channels.outbox import OutboxChannel
from reminders.clock import FixedClock
from reminders.delivery import DeliveryConfig, deliver, dispatch_tick
from reminders.delivery.fallback import safety_from
from reminders.i18n import MESSAGE_KEYS
from reminders.model import PlannedReminder, ReminderState
from reminders.schedule import Schedule
from reminders.schedule.registry import Registry
from reminders.schedule_versions import Versions
from reminders.store import ScheduleVersionConflict, Snapshot, Store
from tests.factories import BOOKED_AT, LOCALES, make_appointment

ESI = "epidural_steroid_injection"
BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def versions(store: Store) -> Versions:
    return Versions(store, Registry.build(None, MESSAGE_KEYS), MESSAGE_KEYS)


def save(versions: Versions, rule: str, **fields: str) -> Schedule:
    based_on = versions.head(ESI)
    saved = versions.edit(ESI, rule, fields, based_on=based_on, by="anna", at=BOOKED_AT)
    return versions.schedule(ESI, saved.version)


def pending(store: Store, aid: str, rule: str) -> list[tuple[str, time]]:
    snap = store.appointments.snapshot(aid)
    assert snap is not None
    return sorted(
        (r.channel, r.due_at.astimezone(BERLIN).time())
        for r in snap.reminders
        if r.rule == rule and r.state in (ReminderState.SCHEDULED, ReminderState.CLAIMED)
    )


def deliver_due(store: Store, client: redis.Redis, prefix: str, clock: FixedClock) -> list[str]:
    channels = {
        n: OutboxChannel(n, Store(client, prefix).outbox, clock, echo=None)
        for n in ("sms", "email")
    }
    config = DeliveryConfig(
        is_safety=safety_from(lambda procedure: Registry.build(None, None).get(procedure)),
        locales_dir=LOCALES,
    )
    pairs: list[tuple[str, str]] = []
    dispatch_tick(store, clock.now(), lambda r, t: pairs.append((r, t)))
    return [deliver(store, r, t, channels, clock.now, config) for r, t in pairs]


def test_the_dry_run_counts_what_applying_then_changes_and_applying_again_changes_nothing(
    store: Store, versions: Versions, epidural: Schedule
) -> None:
    for n in range(3):
        book(store, make_appointment(external_id=f"APT-{n}"), epidural, BOOKED_AT)
    book(store, make_appointment(external_id="NO-MEDS", medications=[]), epidural, BOOKED_AT)
    v2 = save(versions, "escort", **{"offset.at": "17:00", "channels": "sms"})
    now = BOOKED_AT + timedelta(hours=1)

    dry = replan.dry_run(store, versions, ESI, 2, now)
    assert not dry.applied and len(dry.appointments) == 4 and dry.unchanged == 0
    # Each appointment: the SMS escort moves to 17:00, the email escort goes.
    assert (dry.count("moved"), dry.count("removed"), dry.count("added")) == (4, 4, 0)
    first = dry.appointments[0]
    assert [(c.rule, c.channel, c.change) for c in first.changes] == [
        ("escort", "email", "removed"),
        ("escort", "sms", "moved"),
    ]
    assert first.planned_with is None  # booked with the file
    assert pending(store, "APT-0", "escort") == [("email", time(10)), ("sms", time(10))]

    done = replan.apply(store, versions, ESI, 2, now, by="anna")
    assert done.applied
    assert [a.as_json() for a in done.appointments] == [a.as_json() for a in dry.appointments]
    for aid in ("APT-0", "APT-1", "APT-2", "NO-MEDS"):
        assert pending(store, aid, "escort") == [("sms", time(17))]
        snap = store.appointments.snapshot(aid)
        assert snap is not None and snap.version == 2
        last = store.appointments.events(aid)[-1]
        assert (last["type"], last["schedule_version"]) == ("replanned", v2.version)
    # The other rules' reminders are as they were (only re-written at the new version).
    assert pending(store, "APT-0", "day_before") == [("email", time(18)), ("sms", time(18))]

    again = replan.dry_run(store, versions, ESI, 2, now)
    assert again.appointments == () and again.unchanged == 4
    twice = replan.apply(store, versions, ESI, 2, now + timedelta(minutes=5), by="anna")
    assert twice.appointments == ()
    snap = store.appointments.snapshot("APT-0")
    assert snap is not None and snap.version == 2  # not written again
    audit = [e for e in store.contacts.staff_audit() if e["type"] == "schedule_replanned"]
    assert [(e["appointments"], e["moved"], e["removed"]) for e in audit] == [(0, 0, 0), (4, 4, 4)]


def test_a_reminder_already_sent_is_never_sent_again_whatever_its_new_moment(
    store: Store, client: redis.Redis, prefix: str, versions: Versions, epidural: Schedule
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    clock = FixedClock(BOOKED_AT)
    assert deliver_due(store, client, prefix, clock) == ["sent", "sent"]  # the confirmation
    assert len(store.outbox.messages()) == 2
    # The confirmation now "an hour after booking" (still in the future for a new booking),
    # and the escort moved: only the escort changes for the booked patient.
    save(versions, "booking_confirmation", **{"offset.minutes": "60"})
    save(versions, "escort", **{"offset.at": "16:00"})
    clock.set(BOOKED_AT + timedelta(minutes=10))
    dry = replan.dry_run(store, versions, ESI, 3, clock.now())
    (appt,) = dry.appointments
    assert {(c.rule, c.change) for c in appt.changes} == {("escort", "moved")}
    replan.apply(store, versions, ESI, 3, clock.now(), by="anna")
    snap = store.appointments.snapshot("APT-1001")
    assert snap is not None and snap.version == 2
    confirmations = [r for r in snap.reminders if r.rule == "booking_confirmation"]
    assert [(r.version, r.state) for r in confirmations] == [(1, "sent"), (1, "sent")]
    clock.set(BOOKED_AT + timedelta(hours=2))
    assert deliver_due(store, client, prefix, clock) == []  # nothing due: no second confirmation
    assert len(store.outbox.messages()) == 2


def test_an_appointment_whose_procedure_has_begun_and_a_cancelled_one_are_left_alone(
    store: Store, versions: Versions, epidural: Schedule
) -> None:
    soon = make_appointment(external_id="TODAY", procedure__start="2027-03-16T09:00:00+01:00")
    book(store, soon, epidural, BOOKED_AT)
    book(store, make_appointment(external_id="GONE"), epidural, BOOKED_AT)
    cancel(store, "GONE", BOOKED_AT)
    book(store, make_appointment(external_id="LATER"), epidural, BOOKED_AT)
    save(versions, "next_day", **{"offset.at": "11:00"})
    during = BOOKED_AT + timedelta(hours=23, minutes=15)  # 09:15 Berlin on the 16th
    dry = replan.dry_run(store, versions, ESI, 2, during)
    assert [a.appointment_id for a in dry.appointments] == ["LATER"]
    assert dry.started == 1
    before = {aid: store.appointments.snapshot(aid) for aid in ("TODAY", "GONE")}
    replan.apply(store, versions, ESI, 2, during, by="anna")
    for aid, snap in before.items():
        assert store.appointments.snapshot(aid) == snap
    assert pending(store, "TODAY", "next_day") == [("email", time(10)), ("sms", time(10))]
    assert pending(store, "LATER", "next_day") == [("email", time(11)), ("sms", time(11))]


def test_applying_an_older_version_than_the_newest_is_refused(
    store: Store, versions: Versions, epidural: Schedule
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    save(versions, "escort", **{"offset.at": "17:00"})
    save(versions, "escort", **{"offset.at": "16:00"})
    with pytest.raises(ScheduleVersionConflict) as stale:
        replan.apply(store, versions, ESI, 2, BOOKED_AT, by="anna")
    assert (stale.value.based_on, stale.value.newest) == (2, 3)
    assert pending(store, "APT-1001", "escort") == [("email", time(10)), ("sms", time(10))]
    assert replan.dry_run(store, versions, ESI, 2, BOOKED_AT).count("moved") == 2  # a what-if


def test_an_appointment_edited_after_the_dry_run_is_re_planned_from_what_it_is_now(
    store: Store, versions: Versions, epidural: Schedule
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    v2 = save(versions, "escort", **{"offset.at": "17:00"})
    replan.dry_run(store, versions, ESI, 2, BOOKED_AT)
    # The booking system moves the procedure a day later (planned with the new version).
    moved = make_appointment(procedure__start="2027-03-29T09:00:00+02:00")
    book(store, moved, v2, BOOKED_AT + timedelta(minutes=1))
    report = replan.apply(store, versions, ESI, 2, BOOKED_AT + timedelta(minutes=2), by="anna")
    assert report.appointments == ()  # its plan is already version 2's
    snap = store.appointments.snapshot("APT-1001")
    assert snap is not None and snap.version == 2
    assert snap.appointment.procedure.start == moved.procedure.start


def test_a_change_landing_between_the_look_and_the_write_is_not_overwritten(
    store: Store, versions: Versions, epidural: Schedule
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    v2 = save(versions, "escort", **{"offset.at": "17:00"})
    renamed = make_appointment(patient__name="Maria R. Rossi")
    looks: list[int] = []

    def write_if(snap: Snapshot, planned: list[PlannedReminder]) -> bool:
        looks.append(snap.version)
        if len(looks) == 1:  # the booking system edits the appointment right now
            book(store, renamed, epidural, BOOKED_AT + timedelta(minutes=1))
        return True

    done = booking.replan(
        store, "APT-1001", v2, BOOKED_AT + timedelta(minutes=2), write_if=write_if
    )
    assert done is not None and done.written
    assert looks == [1, 2]  # the first write was refused (version check), the second look saw v2
    snap = store.appointments.snapshot("APT-1001")
    assert snap is not None and snap.version == 3
    assert snap.appointment.patient.name == "Maria R. Rossi"
    assert pending(store, "APT-1001", "escort") == [("email", time(17)), ("sms", time(17))]
