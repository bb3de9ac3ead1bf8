"""Edits, reschedules and cancels that land while a send is in flight, and sends whose outcome
was lost: nothing is lost, nothing is sent twice, and what the provider accepted is recorded as
sent. The real SDK against the fake Twilio server, real Redis, the real scripts."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any
from urllib.parse import unquote

import pytest
import redis

from reminders.booking import book, cancel
from reminders.channels import DeliveryError, Outgoing
from reminders.channels.outbox import OutboxChannel
from reminders.clock import FixedClock
from reminders.delivery import DeliveryConfig
from reminders.delivery.fallback import safety_from
from reminders.model import ReminderState
from reminders.schedule import Schedule
from reminders.store import Store
from tests.factories import BOOKED_AT, LOCALES, make_appointment
from tests.fakes.twilio import FakeTwilio, deliver_due, sms_channel

V1 = "APT-1001:1:booking_confirmation:-:sms"
V2 = "APT-1001:2:booking_confirmation:-:sms"
EDITED = {"patient__name": "Maria R. Rossi"}  # an edit that changes no reminder's moment


@pytest.fixture
def config(epidural: Schedule) -> DeliveryConfig:
    return DeliveryConfig(locales_dir=LOCALES, is_safety=safety_from(lambda procedure: epidural))


@dataclass
class DuringSend:
    """The real SMS channel, with something happening while its send is on the wire."""

    inner: Any
    during: Callable[[], None] | None = None
    lookup_error: DeliveryError | None = None
    name: str = "sms"

    def send(self, message: Outgoing) -> str:
        if self.during is not None:
            happen, self.during = self.during, None
            happen()
        return str(self.inner.send(message))

    def find_sent(self, reminder_id: str) -> str | None:
        if self.lookup_error is not None:
            raise self.lookup_error
        return self.inner.find_sent(reminder_id)  # type: ignore[no-any-return]


@pytest.fixture
def world(
    fake: FakeTwilio, store: Store, client: redis.Redis, prefix: str, epidural: Schedule
) -> tuple[FixedClock, dict[str, Any], DuringSend]:
    book(store, make_appointment(), epidural, BOOKED_AT)
    clock = FixedClock(BOOKED_AT)
    sms = DuringSend(sms_channel(fake, client, prefix, clock))
    email = OutboxChannel("email", Store(client, prefix).outbox, clock, echo=None)
    return clock, {"sms": sms, "email": email}, sms


def later(clock: FixedClock, seconds: float) -> None:
    clock.set(clock.now() + timedelta(seconds=seconds))


def state(store: Store, rid: str) -> ReminderState | None:
    rec = store.reminders.get(rid)
    return rec.state if rec else None


def test_an_edit_during_a_send_that_then_fails_still_reaches_the_patient(
    fake: FakeTwilio, store: Store, epidural: Schedule, config: DeliveryConfig, world: Any
) -> None:
    clock, chans, sms = world
    sms.during = lambda: book(store, make_appointment(**EDITED), epidural, clock.now())
    fake.fail_next("500")
    assert deliver_due(store, clock, chans, config)[V1] == "scheduled"  # a retry of version 1
    assert store.reminders.get(V2).waits_for == V1  # type: ignore[union-attr]
    later(clock, 3600)
    assert deliver_due(store, clock, chans, config) == {V1: "cancelled", V2: "sent"}
    assert len(fake.messages) == 1


def test_an_edit_during_a_send_that_went_out_sends_nothing_more(
    fake: FakeTwilio, store: Store, epidural: Schedule, config: DeliveryConfig, world: Any
) -> None:
    clock, chans, sms = world
    sms.during = lambda: book(store, make_appointment(**EDITED), epidural, clock.now())
    assert deliver_due(store, clock, chans, config)[V1] == "sent"
    assert deliver_due(store, clock, chans, config) == {V2: "skipped"}
    assert store.reminders.get(V2).reason == f"already sent as {V1}"  # type: ignore[union-attr]
    assert len(fake.creates) == 1


def test_the_new_version_waits_while_the_earlier_outcome_is_being_looked_up(
    fake: FakeTwilio, store: Store, epidural: Schedule, config: DeliveryConfig, world: Any
) -> None:
    clock, chans, sms = world
    sms.during = lambda: book(store, make_appointment(**EDITED), epidural, clock.now())
    fake.fail_next("timeout")  # Twilio accepts it; its answer is lost
    assert deliver_due(store, clock, chans, config)[V1] == "unknown"
    assert deliver_due(store, clock, chans, config) == {V2: "waiting"}
    assert state(store, V2) is ReminderState.SCHEDULED
    later(clock, config.reconcile_delay + 1)
    # The lookup records what Twilio accepted, though version 1 has been superseded meanwhile.
    assert deliver_due(store, clock, chans, config)[V1] == "sent"
    later(clock, config.hold_recheck + 1)
    assert deliver_due(store, clock, chans, config) == {V2: "skipped"}
    assert len(fake.creates) == 1
    events = [e["type"] for e in store.appointments.events("APT-1001") if e.get("reminder") == V2]
    assert events == ["waiting", "skipped"]


def test_a_lost_send_twilio_never_created_goes_out_as_the_new_version(
    fake: FakeTwilio, store: Store, epidural: Schedule, config: DeliveryConfig, world: Any
) -> None:
    clock, chans, sms = world
    sms.during = lambda: book(store, make_appointment(**EDITED), epidural, clock.now())
    fake.fail_next("timeout")
    deliver_due(store, clock, chans, config)
    fake.messages.clear()  # it had not been created after all
    later(clock, config.reconcile_delay + 1)
    out = deliver_due(store, clock, chans, config)
    assert out[V1] == "cancelled"  # looked up first, then ended as the edit says
    if V2 in out:  # claimed in the same tick, before version 1 settled: it waited
        assert out[V2] == "waiting"
    later(clock, config.hold_recheck + 1)
    assert deliver_due(store, clock, chans, config) == {V2: "sent"}
    assert len(fake.messages) == 1


def test_a_cancel_during_a_lost_send_still_records_what_twilio_accepted(
    fake: FakeTwilio, store: Store, config: DeliveryConfig, world: Any
) -> None:
    clock, chans, sms = world
    sms.during = lambda: cancel(store, "APT-1001", clock.now(), "patient called")
    fake.fail_next("timeout")
    assert deliver_due(store, clock, chans, config)[V1] == "unknown"
    later(clock, config.reconcile_delay + 1)
    got = deliver_due(store, clock, chans, config)
    assert got[V1] == "sent"
    rec = store.reminders.get(V1)
    assert rec is not None and rec.provider_id == next(iter(fake.messages))


def test_a_late_status_callback_settles_a_send_recorded_otherwise(
    fake: FakeTwilio, store: Store, config: DeliveryConfig, world: Any
) -> None:
    clock, chans, _ = world
    fake.fail_next("timeout")
    deliver_due(store, clock, chans, config)
    sid = next(iter(fake.messages))
    fake.messages.clear()  # the list does not show it (yet): the lookup finds nothing
    cancel(store, "APT-1001", clock.now(), "patient called")
    later(clock, config.reconcile_delay + 1)
    assert deliver_due(store, clock, chans, config)[V1] == "cancelled"
    # Then Twilio's callback for the message it did accept arrives: the record says sent.
    assert store.reminders.record_delivery(V1, sid, "delivered", clock.now()) == "ok"
    rec = store.reminders.get(V1)
    assert rec is not None and (rec.state, rec.provider_id) == (ReminderState.SENT, sid)
    assert "the provider reports it was sent" in rec.reason


def test_lookups_go_on_past_the_deadline_and_then_staff_are_told(
    fake: FakeTwilio, store: Store, config: DeliveryConfig, world: Any
) -> None:
    clock, chans, sms = world
    fake.fail_next("timeout")
    deliver_due(store, clock, chans, config)
    sms.lookup_error = DeliveryError("cannot list", permanent=False, code="500")
    rec = store.reminders.get(V1)
    assert rec is not None
    patient = replace(config, lookup_give_up=(rec.deadline - clock.now()).total_seconds() + 3600)
    clock.set(rec.deadline + timedelta(seconds=1))
    assert deliver_due(store, clock, chans, patient)[V1] == "unknown"  # not given up, not sent
    later(clock, 3600)
    assert deliver_due(store, clock, chans, patient)[V1] == "flagged"
    assert V1 in [i.reminder.id for i in store.attention.items()]
    later(clock, config.reconcile_delay * 10)
    assert V1 not in deliver_due(store, clock, chans, patient)  # no more lookups: a person decides
    sid = next(iter(fake.messages))  # the provider's callback still settles it
    assert store.reminders.record_delivery(V1, sid, "delivered", clock.now()) == "ok"
    assert state(store, V1) is ReminderState.SENT
    assert len(fake.creates) == 1


def test_a_reminder_claimed_again_and_again_without_a_send_is_flagged(
    store: Store, config: DeliveryConfig, world: Any
) -> None:
    clock, _, _ = world
    for _ in range(3):  # claimed; no worker ever begins it; the claim lease runs out
        assert V1 in dict(store.reminders.claim_due(clock.now(), 100, 60))
        later(clock, 61)
    assert V1 not in dict(store.reminders.claim_due(clock.now(), 100, 60))
    rec = store.reminders.get(V1)
    assert rec is not None and rec.state is ReminderState.FLAGGED
    assert "no worker began the send" in rec.reason
    assert V1 in [i.reminder.id for i in store.attention.items()]


def test_a_worker_without_enough_lease_left_for_a_whole_send_does_not_start_it(
    fake: FakeTwilio, store: Store, config: DeliveryConfig, world: Any
) -> None:
    # Its lease could run out mid-send; another worker would then look up too early.
    clock, chans, _ = world
    short = replace(config, send_lease=10, send_budget=20)
    assert deliver_due(store, clock, chans, short)[V1] == "scheduled"
    rec = store.reminders.get(V1)
    assert rec is not None and rec.attempts == 0 and rec.reason == "the send lease ran short"
    assert fake.creates == []


def test_an_exception_outside_the_channels_error_handling_ends_on_the_attention_list(
    fake: FakeTwilio, store: Store, config: DeliveryConfig, world: Any
) -> None:
    # e.g. a header the email library refuses: never a reminder stuck in sending.
    clock, chans, sms = world

    def broken() -> None:
        raise ValueError("Header values may not contain linefeed or carriage return characters")

    sms.during = broken
    assert deliver_due(store, clock, chans, config)[V1] == "failed"
    rec = store.reminders.get(V1)
    assert rec is not None and rec.reason.startswith("unexpected error (ValueError)")
    assert rec.check_before_resend  # it may have gone out: a resend looks it up first
    assert V1 in [i.reminder.id for i in store.attention.items()]
    later(clock, 3600)
    assert V1 not in deliver_due(store, clock, chans, config)


def test_a_notice_still_waiting_to_be_sent_survives_the_next_edit(
    fake: FakeTwilio, store: Store, epidural: Schedule, config: DeliveryConfig, world: Any
) -> None:
    clock, chans, _ = world
    deliver_due(store, clock, chans, config)  # the booking confirmation: the patient was told
    later(clock, 60)
    moved = make_appointment(procedure__start="2027-03-29T09:00:00+02:00")
    book(store, moved, epidural, clock.now())
    notice = "APT-1001:2:notice_reschedule:-:sms"
    fake.fail_next("500")
    assert deliver_due(store, clock, chans, config)[notice] == "scheduled"  # will retry
    before = len(fake.messages)
    # A second edit that does not move the procedure: it brings no notice of its own.
    book(
        store,
        replace(moved, patient=replace(moved.patient, name="M. Rossi")),
        epidural,
        clock.now(),
    )
    later(clock, 3600)
    out = deliver_due(store, clock, chans, config)
    assert out["APT-1001:3:notice_reschedule:-:sms"] == "sent"
    assert out.get(notice, "cancelled") == "cancelled"
    assert len(fake.messages) == before + 1


def test_a_send_that_begins_between_planning_and_writing_the_plan_is_still_waited_for(
    fake: FakeTwilio,
    store: Store,
    epidural: Schedule,
    config: DeliveryConfig,
    world: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    clock = world[0]
    claims = dict(store.reminders.claim_due(clock.now(), 100, 60))  # claimed, not begun yet
    write = store.appointments.replace_plan

    def begins_meanwhile(*args: Any, **kwargs: Any) -> Any:
        # The worker begins the claimed send after booking read the snapshot.
        assert store.reminders.begin_send(V1, claims[V1], clock.now(), 60).status == "ok"
        monkeypatch.setattr(store.appointments, "replace_plan", write)
        return write(*args, **kwargs)

    monkeypatch.setattr(store.appointments, "replace_plan", begins_meanwhile)
    book(store, make_appointment(**EDITED), epidural, clock.now())
    rec = store.reminders.get(V2)
    assert rec is not None and rec.waits_for == V1


NOTICE = "APT-1001:{}:notice_reschedule:-:sms"


def _told_then_moved(store: Store, epidural: Schedule, config: DeliveryConfig, world: Any) -> Any:
    """The patient was told (the booking's messages sent), then the procedure moved a minute
    later: version 2, with its reschedule notice due. Returns the moved appointment."""
    clock, chans, _ = world
    deliver_due(store, clock, chans, config)
    later(clock, 60)
    moved = make_appointment(procedure__start="2027-03-29T09:00:00+02:00")
    book(store, moved, epidural, clock.now())
    return moved


def _reschedule_notices_sent(fake: FakeTwilio) -> int:
    return sum("notice_reschedule" in unquote(m["status_callback"]) for m in fake.messages.values())


def test_a_notice_carried_twice_still_waits_for_the_first_one_in_flight(
    fake: FakeTwilio, store: Store, epidural: Schedule, config: DeliveryConfig, world: Any
) -> None:
    clock, chans, sms = world
    moved = _told_then_moved(store, epidural, config, world)

    def two_edits() -> None:  # while version 2's notice is on the wire
        for name in ("M. Rossi", "Maria Rossi-Bianchi"):
            edit = replace(moved, patient=replace(moved.patient, name=name))
            book(store, edit, epidural, clock.now())

    sms.during = two_edits
    assert deliver_due(store, clock, chans, config)[NOTICE.format(2)] == "sent"
    assert store.reminders.get(NOTICE.format(4)).waits_for == NOTICE.format(2)  # type: ignore[union-attr]
    later(clock, 3600)
    assert deliver_due(store, clock, chans, config).get(NOTICE.format(4)) == "skipped"
    assert _reschedule_notices_sent(fake) == 1


def test_a_notice_carried_after_the_one_it_waited_for_went_out_is_not_sent_again(
    fake: FakeTwilio, store: Store, epidural: Schedule, config: DeliveryConfig, world: Any
) -> None:
    """Version 3's notice waits for version 2's, on the wire; version 2's goes out; then one
    more edit carries version 3's notice to version 4 before anything delivers it. Version 4
    must see that version 2's went out (found by the chaos test: it was sent twice)."""
    clock, chans, sms = world
    moved = _told_then_moved(store, epidural, config, world)

    def one_edit() -> None:  # while version 2's notice is on the wire
        book(store, replace(moved, patient=replace(moved.patient, name="M. Rossi")), epidural,
             clock.now())  # fmt: skip

    sms.during = one_edit
    assert deliver_due(store, clock, chans, config)[NOTICE.format(2)] == "sent"
    assert store.reminders.get(NOTICE.format(3)).waits_for == NOTICE.format(2)  # type: ignore[union-attr]
    sms.during = None
    edit = replace(moved, patient=replace(moved.patient, name="Maria Rossi-Bianchi"))
    book(store, edit, epidural, clock.now())  # version 4 carries version 3's notice
    later(clock, 3600)
    assert deliver_due(store, clock, chans, config).get(NOTICE.format(4)) == "skipped"
    assert _reschedule_notices_sent(fake) == 1
