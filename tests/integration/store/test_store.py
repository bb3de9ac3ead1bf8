"""The Redis store and delivery path: atomic claims, leases, duplicate tasks, and changes while
reminders are in flight. Real Redis; no broker needed."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
from datetime import timedelta

import pytest
import redis

from reminders.booking import book, cancel
from reminders.channels import DeliveryError, Outgoing
from reminders.channels.outbox import OutboxChannel
from reminders.clock import FixedClock
from reminders.delivery import DeliveryConfig, deliver, dispatch_tick
from reminders.delivery.fallback import safety_from
from reminders.model import ReminderState
from reminders.schedule import Schedule, find, load
from reminders.store import Patch, Store
from tests.factories import BOOKED_AT, LOCALES, make_appointment
from tests.fakes.channels import Flaky
from tests.helpers import wait_until

# The production policy: the schedule says which rules are safety reminders.
CONFIG = DeliveryConfig(
    is_safety=safety_from(lambda procedure: load(find(procedure))), locales_dir=LOCALES
)


def outbox(client: redis.Redis, prefix: str, clock: FixedClock) -> dict[str, OutboxChannel]:
    return {
        n: OutboxChannel(n, Store(client, prefix).outbox, clock, echo=None)
        for n in ("sms", "email")
    }


def claim_all(store: Store, clock: FixedClock) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    dispatch_tick(store, clock.now(), lambda rid, tok: out.append((rid, tok)))
    return out


def test_booking_stores_the_plan_and_a_booked_event(store: Store, epidural: Schedule) -> None:
    result = book(store, make_appointment(), epidural, BOOKED_AT)
    snap = store.appointments.snapshot("APT-1001")
    assert snap is not None and snap.version == 1 and snap.status == "booked"
    assert sorted(r.id for r in snap.reminders) == sorted(p.id for p in result.planned)
    assert [e["type"] for e in store.appointments.events("APT-1001")] == ["booked"]


def test_booking_the_same_appointment_again_changes_nothing(
    store: Store, epidural: Schedule
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    again = book(store, make_appointment(), epidural, BOOKED_AT + timedelta(hours=1))
    assert not again.changed
    snap = store.appointments.snapshot("APT-1001")
    assert snap is not None and snap.version == 1


def test_only_due_reminders_are_claimed_and_only_once(store: Store, epidural: Schedule) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    clock = FixedClock(BOOKED_AT)
    first = claim_all(store, clock)
    assert sorted(rid.split(":")[2] for rid, _ in first) == ["booking_confirmation"] * 2
    assert claim_all(store, clock) == []


def test_concurrent_claimers_never_claim_the_same_reminder(
    redis_url: str, prefix: str, client: redis.Redis, epidural: Schedule
) -> None:
    store = Store(client, prefix)
    for i in range(60):
        book(store, make_appointment(external_id=f"C-{i}"), epidural, BOOKED_AT)
    later = BOOKED_AT + timedelta(days=30)
    results: list[list[tuple[str, str]]] = []
    start = threading.Barrier(6, timeout=10)

    def claimer() -> None:
        conn = redis.Redis.from_url(redis_url)
        own = Store(conn, prefix)
        conn.ping()  # connected before the race starts
        got: list[tuple[str, str]] = []
        start.wait()  # all six claim from the same moment
        while batch := own.reminders.claim_due(later, 7, 300):
            got.extend(batch)
        results.append(got)
        conn.close()

    threads = [threading.Thread(target=claimer) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 6  # every claimer finished
    ids = [rid for got in results for rid, _ in got]
    assert len(ids) == len(set(ids)) == 60 * 16
    assert sum(1 for got in results if got) > 1


def test_a_delivery_task_run_twice_sends_once(
    store: Store, client: redis.Redis, prefix: str, epidural: Schedule
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    clock = FixedClock(BOOKED_AT)
    channels = outbox(client, prefix, clock)
    (rid, token), *_ = claim_all(store, clock)
    outcomes: list[str] = []
    start = threading.Barrier(8, timeout=10)

    def run() -> None:
        start.wait()  # the eight copies of the task run at once
        outcomes.append(deliver(store, rid, token, channels, clock.now, CONFIG))

    threads = [threading.Thread(target=run) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["gone"] * 7 + ["sent"]
    assert [m["reminder"] for m in channels["sms"].messages()] == [rid]


def test_a_killed_claimers_reminders_are_delivered_after_its_lease(
    redis_url: str, store: Store, client: redis.Redis, prefix: str, epidural: Schedule
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    # A separate process claims everything due, then dies before enqueuing anything.
    code = (
        "import os, signal, redis; from datetime import datetime;"
        "from reminders.store import Store;"
        f"s = Store(redis.Redis.from_url({redis_url!r}), {prefix!r});"
        f"at = datetime.fromisoformat({BOOKED_AT.isoformat()!r});"
        "print(len(s.reminders.claim_due(at, 100, 300)), flush=True);"
        "os.kill(os.getpid(), signal.SIGKILL)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == -signal.SIGKILL and proc.stdout.strip() == "2"
    clock = FixedClock(BOOKED_AT + timedelta(seconds=299))
    assert claim_all(store, clock) == []
    clock.set(BOOKED_AT + timedelta(seconds=301))
    channels = outbox(client, prefix, clock)
    reclaimed = claim_all(store, clock)
    assert len(reclaimed) == 2
    for rid, token in reclaimed:
        assert deliver(store, rid, token, channels, clock.now, CONFIG) == "sent"
    rec = store.reminders.get(reclaimed[0][0])
    assert rec is not None and rec.lost_leases == 1


def test_a_worker_that_died_after_sending_is_not_sent_twice(
    store: Store, client: redis.Redis, prefix: str, epidural: Schedule
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    clock = FixedClock(BOOKED_AT)
    channels = outbox(client, prefix, clock)
    rid, token = claim_all(store, clock)[0]
    begun = store.reminders.begin_send(rid, token, clock.now(), 120)
    assert begun.status == "ok"
    channels["email" if rid.endswith("email") else "sms"].send(
        Outgoing(rid, "sms", "+4915112345678", "en", "text")
    )
    # ... and the worker is killed here, before it records the outcome.
    clock.set(BOOKED_AT + timedelta(seconds=121))
    again = [pair for pair in claim_all(store, clock) if pair[0] == rid]
    assert len(again) == 1
    assert deliver(store, rid, again[0][1], channels, clock.now, CONFIG) == "sent"
    sent = [m for m in channels["sms"].messages() if m["reminder"] == rid]  # one shared outbox
    assert len(sent) == 1


def test_rescheduling_while_a_reminder_is_in_flight_sends_nothing_stale(
    store: Store, client: redis.Redis, prefix: str, epidural: Schedule
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    clock = FixedClock(BOOKED_AT + timedelta(days=9))  # pause-day reminders are due
    channels = outbox(client, prefix, clock)
    claimed = claim_all(store, clock)
    assert claimed
    moved = make_appointment(procedure__start="2027-04-08T09:00:00+02:00")
    book(store, moved, epidural, clock.now())
    for rid, token in claimed:
        assert deliver(store, rid, token, channels, clock.now, CONFIG) == "gone"
    assert all(not ch.messages() for ch in channels.values())
    snap = store.appointments.snapshot("APT-1001")
    assert snap is not None and snap.version == 2
    stale = [r for r in snap.reminders if r.version == 1 and r.rule != "booking_confirmation"]
    assert stale and all(r.state == ReminderState.CANCELLED for r in stale)


def test_a_claimed_reminder_of_an_edited_appointment_is_cancelled_at_send_time(
    store: Store, client: redis.Redis, prefix: str, epidural: Schedule
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    clock = FixedClock(BOOKED_AT)
    channels = outbox(client, prefix, clock)
    rid, token = claim_all(store, clock)[0]
    # The edit lands between the claim and the send, racing the worker's re-check.
    begun = store.reminders.begin_send(rid, token, clock.now(), 120)
    assert begun.status == "ok" and begun.record is not None
    book(store, make_appointment(patient__name="Maria Rossi-Bianchi"), epidural, clock.now())
    assert store.reminders.finish(
        begun.record, token, "sent", clock.now(), patch=Patch(provider_id="x"), event="sent"
    )
    snap = store.appointments.snapshot("APT-1001")
    assert snap is not None
    # In flight when the edit came: kept as sent, not cancelled.
    assert next(r for r in snap.reminders if r.id == rid).state == ReminderState.SENT
    assert channels["sms"].messages() == []


def test_cancelling_while_claimed_sends_nothing(
    store: Store, client: redis.Redis, prefix: str, epidural: Schedule
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    clock = FixedClock(BOOKED_AT)
    channels = outbox(client, prefix, clock)
    claimed = claim_all(store, clock)
    cancel(store, "APT-1001", clock.now(), "patient called")
    assert [deliver(store, r, t, channels, clock.now, CONFIG) for r, t in claimed] == ["gone"] * 2
    snap = store.appointments.snapshot("APT-1001")
    assert snap is not None and snap.status == "cancelled"
    assert all(r.state == ReminderState.CANCELLED for r in snap.reminders)
    assert store.reminders.pending_count() == 0


def test_a_cancel_after_claim_but_before_begin_is_seen_by_the_worker(
    store: Store, client: redis.Redis, prefix: str, epidural: Schedule
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    clock = FixedClock(BOOKED_AT + timedelta(days=13))
    rid, token = claim_all(store, clock)[0]
    # Simulate a cancel that only flipped the appointment status (e.g. from another writer).
    client.hset(store.keys.appointment("APT-1001"), "st", "cancelled")
    begun = store.reminders.begin_send(rid, token, clock.now(), 120)
    assert (begun.status, begun.reason) == ("cancelled", "the appointment was cancelled")


def test_a_reminder_past_its_deadline_is_skipped_not_sent(
    store: Store, client: redis.Redis, prefix: str, epidural: Schedule
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    clock = FixedClock(BOOKED_AT)
    rid, token = claim_all(store, clock)[0]
    clock.set(BOOKED_AT + timedelta(days=14))  # after the procedure: confirmation is useless
    channels = outbox(client, prefix, clock)
    assert deliver(store, rid, token, channels, clock.now, CONFIG) == "skipped"
    rec = store.reminders.get(rid)
    assert rec is not None and "deadline" in rec.reason
    assert channels["sms"].messages() == []


def test_a_temporary_failure_is_retried_later_through_the_due_index(
    store: Store, epidural: Schedule
) -> None:
    book(
        store, make_appointment(patient__email=None, patient__channels=["sms"]), epidural, BOOKED_AT
    )
    clock = FixedClock(BOOKED_AT)
    rid, token = claim_all(store, clock)[0]
    flaky = Flaky(DeliveryError("503 from provider", permanent=False, code="503"))
    assert deliver(store, rid, token, {"sms": flaky}, clock.now, CONFIG) == "scheduled"
    rec = store.reminders.get(rid)
    assert rec is not None and rec.attempts == 1 and rec.error == "503: 503 from provider"
    assert timedelta(seconds=40) < rec.due_at - BOOKED_AT < timedelta(seconds=80)
    assert claim_all(store, clock) == []
    clock.set(rec.due_at)
    assert [r for r, _ in claim_all(store, clock)] == [rid]


def test_a_permanent_failure_is_not_retried(store: Store, epidural: Schedule) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    clock = FixedClock(BOOKED_AT)
    pairs = [p for p in claim_all(store, clock) if p[0].endswith(":sms")]
    flaky = Flaky(DeliveryError("invalid number", permanent=True, code="21211"))
    assert deliver(store, *pairs[0], {"sms": flaky}, clock.now, CONFIG) == "failed"
    clock.set(BOOKED_AT + timedelta(days=1))
    assert all(not r.endswith(":sms") or "booking" not in r for r, _ in claim_all(store, clock))


def test_a_channel_the_patient_withdrew_is_skipped_at_send_time(
    store: Store, client: redis.Redis, prefix: str, epidural: Schedule
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    clock = FixedClock(BOOKED_AT)
    channels = outbox(client, prefix, clock)
    pairs = claim_all(store, clock)
    # Withdrawn in the stored document without a replan (e.g. an opt-out recorded elsewhere).
    key = store.keys.appointment("APT-1001")
    doc = json.loads(client.hget(key, "doc") or b"{}")
    doc["patient"]["channels"] = ["email"]
    client.hset(key, "doc", json.dumps(doc))
    outcomes = {
        rid.rsplit(":", 1)[1]: deliver(store, rid, tok, channels, clock.now, CONFIG)
        for rid, tok in pairs
    }
    assert outcomes == {"sms": "skipped", "email": "sent"}


def test_rescheduling_keeps_sent_reminders_and_does_not_repeat_them(
    store: Store, client: redis.Redis, prefix: str, epidural: Schedule
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    clock = FixedClock(BOOKED_AT)
    channels = outbox(client, prefix, clock)
    for rid, tok in claim_all(store, clock):
        deliver(store, rid, tok, channels, clock.now, CONFIG)
    moved = make_appointment(procedure__start="2027-03-30T09:00:00+02:00")
    result = book(store, moved, epidural, BOOKED_AT + timedelta(hours=2))
    assert result.appointment.version == 2
    assert "booking_confirmation" not in {p.rule for p in result.planned}
    snap = store.appointments.snapshot("APT-1001")
    assert snap is not None
    sent = [r for r in snap.reminders if r.state == ReminderState.SENT]
    assert {r.rule for r in sent} == {"booking_confirmation"} and len(sent) == 2
    day_before = [r for r in snap.reminders if r.rule == "day_before" and r.version == 2]
    assert {r.due_at.isoformat() for r in day_before} == {"2027-03-29T16:00:00+00:00"}


# --- side indexes: phone -> appointments, the attention list, delivery status -------------------


def test_the_phone_index_follows_bookings_and_number_changes(
    store: Store, epidural: Schedule
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    book(store, make_appointment(external_id="APT-2"), epidural, BOOKED_AT)
    assert store.contacts.appointments_for_phone("+4915112345678") == ["APT-1001", "APT-2"]
    book(store, make_appointment(patient__phone="+4915199999999"), epidural, BOOKED_AT)
    assert store.contacts.appointments_for_phone("+4915112345678") == ["APT-2"]
    assert store.contacts.appointments_for_phone("+4915199999999") == ["APT-1001"]


def test_a_reminder_flagged_at_booking_is_on_the_attention_list(
    store: Store, epidural: Schedule
) -> None:
    # Booked after the pause day began: the pause reminder is flagged for staff to call.
    late = BOOKED_AT + timedelta(days=10, hours=2)
    book(store, make_appointment(), epidural, late)
    items = store.attention.items()
    assert items and all(i.reminder.state == ReminderState.FLAGGED for i in items)
    assert {i.reminder.rule for i in items} == {"medication_pause"}


def test_the_attention_list_drops_appointments_with_nothing_left_to_do(
    store: Store, client: redis.Redis, prefix: str, epidural: Schedule
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    client.sadd(f"{prefix}:attention", "APT-1001")  # e.g. a flag since resolved by rebooking
    assert store.attention.items() == []
    assert not client.sismember(f"{prefix}:attention", "APT-1001")


def test_delivery_status_only_moves_forward(
    store: Store, client: redis.Redis, prefix: str, epidural: Schedule
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    clock = FixedClock(BOOKED_AT)
    channels = outbox(client, prefix, clock)
    rid = next(r for r, _ in claim_all(store, clock) if r.endswith("sms"))
    clock.set(BOOKED_AT + timedelta(seconds=301))  # its claim lapsed: claim it again to deliver
    for again, token in claim_all(store, clock):
        deliver(store, again, token, channels, clock.now, CONFIG)
    pid = f"outbox-{rid}"
    results = [
        store.reminders.record_delivery(rid, pid, status, clock.now())
        for status in ("sent", "delivered", "sent", "delivered", "queued")
    ]
    assert results == ["ok", "ok", "duplicate", "duplicate", "duplicate"]
    assert store.reminders.record_delivery(rid, "SMother", "failed", clock.now()) == "stale"
    rec = store.reminders.get(rid)
    assert rec is not None and rec.delivery == "delivered" and rec.state == ReminderState.SENT


def test_opt_outs_are_listed_with_their_source(store: Store) -> None:
    assert store.contacts.opt_out("+4915112345678", BOOKED_AT, source="inbound", keyword="stop")
    assert not store.contacts.opt_out("+4915112345678", BOOKED_AT, source="inbound", keyword="stop")
    assert store.contacts.opted_out_numbers()["+4915112345678"]["keyword"] == "stop"
    assert store.contacts.opt_in("+4915112345678", BOOKED_AT, source="inbound", keyword="start")
    assert store.contacts.opted_out_numbers() == {}


def test_acknowledgements_keep_the_first_and_are_listed_across_appointments(store: Store) -> None:
    assert store.contacts.acknowledge("APT-1", "escort", BOOKED_AT, "1")
    assert not store.contacts.acknowledge("APT-1", "escort", BOOKED_AT + timedelta(hours=1), "YES")
    assert [a["text"] for a in store.contacts.acknowledgements("APT-1")] == ["1"]
    assert store.contacts.recent_acknowledgements() == [("APT-1", "escort", BOOKED_AT)]


def test_a_dispatcher_that_died_holding_the_lock_blocks_ticks_for_one_interval_only(
    store: Store, epidural: Schedule, monkeypatch: pytest.MonkeyPatch
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    interval = 0.3
    clock = FixedClock(BOOKED_AT)
    claimed: list[str] = []

    def crash(rid: str, token: str) -> None:
        raise RuntimeError("the dispatcher died mid-tick")

    with monkeypatch.context() as m:
        m.setattr(store.ops, "unlock", lambda name, token: None)  # SIGKILL: no cleanup ran
        with pytest.raises(RuntimeError):
            dispatch_tick(store, clock.now(), crash, lock_seconds=interval)

    def tick() -> dict[str, object]:
        return dispatch_tick(
            store, clock.now(), lambda rid, tok: claimed.append(rid), lock_seconds=interval
        )

    assert tick() == {"skipped": "another dispatch tick is running"}
    # The dead tick's claims come back when their lease ends; the lock itself only an interval.
    wait_until(lambda: "claimed" in tick(), timeout=10 * interval, what="a tick after the lock")
