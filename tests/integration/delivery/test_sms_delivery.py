"""Delivering reminders by SMS end to end through dispatch: the real SDK, the fake Twilio
server, real Redis. Timeouts, retries, the shared rate limit and opt-outs."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
import redis

from reminders.booking import book
from reminders.channels.outbox import OutboxChannel
from reminders.clock import FixedClock
from reminders.delivery import DeliveryConfig
from reminders.delivery.fallback import safety_from
from reminders.model import ReminderState
from reminders.schedule import Schedule
from reminders.store import Store
from tests.factories import BOOKED_AT, LOCALES, make_appointment
from tests.fakes.twilio import FakeTwilio, deliver_due, sms_channel

SMS = "APT-1001:1:booking_confirmation:-:sms"
PHONE = "+4915112345678"


@pytest.fixture
def config(epidural: Schedule) -> DeliveryConfig:
    return DeliveryConfig(
        locales_dir=LOCALES,
        is_safety=safety_from(lambda procedure: epidural),
    )


def channels(fake: FakeTwilio, client: redis.Redis, prefix: str, clock: FixedClock, **kw: object):
    return {
        "sms": sms_channel(fake, client, prefix, clock, **kw),  # type: ignore[arg-type]
        "email": OutboxChannel("email", Store(client, prefix).outbox, clock, echo=None),
    }


def test_a_timeout_after_sending_is_unknown_then_reconciled_without_a_second_send(
    fake: FakeTwilio,
    store: Store,
    client: redis.Redis,
    prefix: str,
    epidural: Schedule,
    config: DeliveryConfig,
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    clock = FixedClock(BOOKED_AT)
    chans = channels(fake, client, prefix, clock)
    fake.fail_next("timeout")
    assert deliver_due(store, clock, chans, config)[SMS] == "unknown"
    assert [i.reminder.id for i in store.attention.items()] == [SMS]
    assert deliver_due(store, clock, chans, config) == {}  # not before the reconcile delay
    clock.set(BOOKED_AT + timedelta(seconds=config.reconcile_delay + 1))
    assert deliver_due(store, clock, chans, config) == {SMS: "sent"}
    rec = store.reminders.get(SMS)
    assert rec is not None and rec.provider_id == next(iter(fake.messages))
    assert len(fake.creates) == 1
    assert store.attention.items() == []


def test_an_unknown_send_twilio_never_created_is_sent_once_after_looking(
    fake: FakeTwilio,
    store: Store,
    client: redis.Redis,
    prefix: str,
    epidural: Schedule,
    config: DeliveryConfig,
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    clock = FixedClock(BOOKED_AT)
    chans = channels(fake, client, prefix, clock)
    fake.fail_next("timeout")
    deliver_due(store, clock, chans, config)
    fake.messages.clear()  # Twilio had not created it after all
    clock.set(BOOKED_AT + timedelta(seconds=config.reconcile_delay + 1))
    assert deliver_due(store, clock, chans, config) == {SMS: "sent"}
    assert len(fake.creates) == 2 and len(fake.messages) == 1


def test_a_rate_limited_send_is_retried_with_backoff_before_the_deadline(
    fake: FakeTwilio,
    store: Store,
    client: redis.Redis,
    prefix: str,
    epidural: Schedule,
    config: DeliveryConfig,
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    clock = FixedClock(BOOKED_AT)
    chans = channels(fake, client, prefix, clock)
    fake.fail_next("429")
    assert deliver_due(store, clock, chans, config)[SMS] == "scheduled"
    rec = store.reminders.get(SMS)
    assert rec is not None and rec.error and rec.error.startswith("20429")
    assert BOOKED_AT + timedelta(seconds=47) < rec.due_at < BOOKED_AT + timedelta(seconds=73)
    clock.set(rec.due_at)
    assert deliver_due(store, clock, chans, config) == {SMS: "sent"}


def test_a_server_error_until_the_deadline_ends_failed_never_late(
    fake: FakeTwilio,
    store: Store,
    client: redis.Redis,
    prefix: str,
    epidural: Schedule,
    config: DeliveryConfig,
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    clock = FixedClock(BOOKED_AT)
    chans = channels(fake, client, prefix, clock)
    few = replace(config, max_attempts=2)
    fake.fail_next("500", "500")
    deliver_due(store, clock, chans, few)
    clock.set(store.reminders.get(SMS).due_at)  # type: ignore[union-attr]
    assert deliver_due(store, clock, chans, few) == {SMS: "failed"}
    assert [i.reminder.id for i in store.attention.items()] == [SMS]


def test_over_the_senders_rate_a_reminder_is_rescheduled_without_using_an_attempt(
    fake: FakeTwilio,
    store: Store,
    client: redis.Redis,
    prefix: str,
    epidural: Schedule,
    config: DeliveryConfig,
) -> None:
    for aid in ("APT-1", "APT-2"):
        book(store, make_appointment(external_id=aid), epidural, BOOKED_AT)
    clock = FixedClock(BOOKED_AT)
    chans = channels(fake, client, prefix, clock, rate=0.05, max_wait=0)
    states = deliver_due(store, clock, chans, config)
    sms = sorted(s for rid, s in states.items() if rid.endswith(":sms"))
    assert sms == ["scheduled", "sent"] and len(fake.creates) == 1
    waiting = next(rid for rid, s in states.items() if s == "scheduled")
    rec = store.reminders.get(waiting)
    assert rec is not None and rec.attempts == 0 and rec.due_at > BOOKED_AT


def test_an_opted_out_patient_receives_no_further_sms(
    fake: FakeTwilio,
    store: Store,
    client: redis.Redis,
    prefix: str,
    epidural: Schedule,
    config: DeliveryConfig,
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    store.contacts.opt_out(PHONE, BOOKED_AT, source="inbound", keyword="stop")
    clock = FixedClock(BOOKED_AT)
    states = deliver_due(store, clock, channels(fake, client, prefix, clock), config)
    assert states[SMS] == "skipped"
    assert fake.creates == []


def test_twilio_saying_the_patient_unsubscribed_records_the_opt_out(
    fake: FakeTwilio,
    store: Store,
    client: redis.Redis,
    prefix: str,
    epidural: Schedule,
    config: DeliveryConfig,
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    clock = FixedClock(BOOKED_AT)
    fake.fail_next("21610")
    assert (
        deliver_due(store, clock, channels(fake, client, prefix, clock), config)[SMS] == "skipped"
    )
    assert store.contacts.is_opted_out(PHONE)
    assert store.contacts.opted_out_numbers()[PHONE]["source"] == "provider 21610"
    rec = store.reminders.get(SMS)
    assert rec is not None and rec.state == ReminderState.SKIPPED


def test_the_workers_record_each_channels_failures_and_successes_for_health(
    fake: FakeTwilio,
    store: Store,
    client: redis.Redis,
    prefix: str,
    epidural: Schedule,
    config: DeliveryConfig,
) -> None:
    book(store, make_appointment(), epidural, BOOKED_AT)
    clock = FixedClock(BOOKED_AT)
    chans = channels(fake, client, prefix, clock)
    fake.fail_next("500")
    deliver_due(store, clock, chans, config)
    seen = store.ops.channel_health("sms")
    assert seen.consecutive_failures == 1 and seen.last_error.startswith("20500")
    clock.set(BOOKED_AT + timedelta(hours=1))
    assert deliver_due(store, clock, chans, config)[SMS] == "sent"
    seen = store.ops.channel_health("sms")
    assert (seen.consecutive_failures, seen.last_success) == (0, clock.now())
